/** The sidecar's certificate lifecycle wiring (issue 4): on rotation, pools stop reusing connections made with the old certificate; refused outbound handshakes are logged with their reason; `/certs` describes what is in service. */
import type { Logger } from '../../lib/log.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';
import { describeBundle, type SecretDump } from './cert-info.ts';
import type { CertificateBundle, CertificateManager } from './certificates.ts';
import { RateLimitedLog } from './rate-limited-log.ts';
import type { MeshTls } from './tls.ts';

export interface CertificateLifecycle {
  /** The body of the admin `/certs`; throws before the first certificate. */
  secretDump(): SecretDump;
}

/** Call once, after the first certificate is installed in `meshTls` and the cluster manager exists. */
export function wireCertificateLifecycle(p: { readonly certs: CertificateManager; readonly meshTls: MeshTls; readonly clusters: ClusterManager; readonly logger: Logger }): CertificateLifecycle {
  const { certs, meshTls, clusters, logger } = p;
  let rotations = 0;
  // New handshakes use the new certificate as soon as MeshTls has it (main.ts's own listener
  // installs it); connections already open finish their exchange, then close instead of being
  // reused, so peers see the new certificate within one request per connection.
  certs.on('rotated', () => {
    rotations++;
    clusters.retireConnections();
  });
  // A peer that keeps failing (expired, another CA) would log once per connect attempt: once per
  // reason and peer every 10 s is enough to say why, with the count of what was not logged.
  const refusals = new RateLimitedLog(10_000);
  meshTls.onOutboundRefused = (r, peer) => {
    refusals.log(`${r.kind}|${peer}`, (suppressed) => logger.warn({ peer, refusal: r.kind, reason: r.reason, suppressed }, `outbound connection refused: ${r.reason}`));
  };
  let described: { bundle: CertificateBundle; view: ReturnType<typeof describeBundle> } | null = null;
  return {
    secretDump(): SecretDump {
      const bundle = certs.current();
      if (described?.bundle !== bundle) described = { bundle, view: describeBundle(bundle) };
      const next = certs.nextRenewalAt;
      return {
        spiffeId: bundle.spiffeId,
        chain: described.view.chain,
        trustBundle: described.view.trustBundle,
        nextRenewalAt: next === null ? null : new Date(next).toISOString(),
        rotations,
        peers: meshTls.peers.list(),
      };
    },
  };
}
