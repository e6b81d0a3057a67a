// Converts a DestinationRule's tls settings (after precedence) into the cluster's transport: auto mTLS unless the rule says otherwise.
import type { ClientTLSSettings } from '../../../api/kinds/destination-rule/types.ts';
import type { ClusterTransport, UpstreamTls } from '../../../model/proxy-config.ts';

export interface ConvertedTls {
  readonly transport: ClusterTransport;
  /** Only for SIMPLE and MUTUAL. */
  readonly tls?: UpstreamTls;
}

/**
 * Istio's cluster TLS choice (cluster_tls.go buildUpstreamClusterTLSContext): no tls block at the
 * level in force → auto mTLS (AUTO: mesh mTLS to peers that accept it, plaintext to those whose
 * PeerAuthentication disables it); a block without mode means DISABLE (the proto's zero value);
 * ISTIO_MUTUAL forces mesh mTLS; SIMPLE and MUTUAL originate TLS with the given files, which the
 * sidecar reads. credentialName (a Kubernetes secret) and caCrl are accepted, not enforced.
 */
export function convertClientTls(tls: ClientTLSSettings | undefined): ConvertedTls {
  if (tls === undefined) return { transport: 'AUTO' };
  const mode = tls.mode ?? 'DISABLE';
  if (mode === 'DISABLE' || mode === 'ISTIO_MUTUAL') return { transport: mode };
  return {
    transport: mode,
    tls: {
      ...(tls.caCertificates ? { caCertificates: tls.caCertificates } : {}),
      ...(mode === 'MUTUAL' && tls.clientCertificate ? { clientCertificate: tls.clientCertificate } : {}),
      ...(mode === 'MUTUAL' && tls.privateKey ? { privateKey: tls.privateKey } : {}),
      ...(tls.sni ? { sni: tls.sni } : {}),
      subjectAltNames: [...(tls.subjectAltNames ?? [])],
      insecureSkipVerify: tls.insecureSkipVerify === true,
    },
  };
}
