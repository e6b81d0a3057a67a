/**
 * The inbound listener: terminates mTLS from peer sidecars (client certificate from the mesh CA,
 * SPIFFE id of this trust domain), then runs the inbound pipeline to the local app. Plaintext or
 * foreign-CA clients never get past the handshake.
 */
import type * as tls from 'node:tls';
import type { Logger } from '../../lib/log.ts';
import { DownstreamConnection, type ConnectionManagerConfig } from '../http/connection-manager.ts';
import type { MeshTls } from '../transport/tls.ts';
import { ConnectionTracker } from './tracker.ts';
import { listen } from './outbound.ts';

export async function startInboundListener(
  host: string,
  port: number,
  meshTls: MeshTls,
  cfg: ConnectionManagerConfig,
  logger: Logger,
): Promise<{ server: tls.Server; tracker: ConnectionTracker }> {
  const tracker = new ConnectionTracker(cfg.idleTimeoutMs);
  const server = meshTls.createServer(
    (socket, peerIdentity) => tracker.add(new DownstreamConnection(socket, cfg, peerIdentity)),
    (reason, remote) => logger.warn({ remote, reason }, 'inbound connection refused: no valid mesh client certificate'),
  );
  await listen(server, host, port);
  return { server, tracker };
}
