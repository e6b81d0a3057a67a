/**
 * The inbound listener: one TCP port per workload, whose admission follows the current config's
 * PeerAuthentication mode for this port, read for every new connection (a mode change needs no
 * restart; open connections keep the mode they were accepted under):
 *
 *   STRICT      every connection goes to the mesh TLS server: a client certificate from the mesh CA
 *               carrying a SPIFFE id of this trust domain, or the handshake fails (today's behaviour);
 *   PERMISSIVE  the first byte decides (listener/sniff.ts): a TLS handshake goes to the mesh TLS
 *               server as above, anything else is plaintext HTTP;
 *   DISABLE     plaintext HTTP only (a TLS handshake is closed at its first byte).
 *
 * Plaintext requests carry no peer identity (StreamInfo.peerIdentity is "").
 */
import * as net from 'node:net';
import type { Logger } from '../../lib/log.ts';
import type { InboundMtls, MtlsMode } from '../../model/proxy-config.ts';
import { DownstreamConnection, type ConnectionManagerConfig } from '../http/connection-manager.ts';
import type { MeshTls } from '../transport/tls.ts';
import { ConnectionTracker } from './tracker.ts';
import { listen } from './outbound.ts';
import { sniffTls } from './sniff.ts';

/** A PERMISSIVE connection that sends nothing for this long is closed (the TLS handshake timeout has the same bound). */
const SNIFF_TIMEOUT_MS = 10_000;

export async function startInboundListener(
  host: string,
  port: number,
  meshTls: MeshTls,
  cfg: ConnectionManagerConfig,
  logger: Logger,
  mode: () => MtlsMode = () => 'STRICT',
): Promise<{ server: net.Server; tracker: ConnectionTracker }> {
  const tracker = new ConnectionTracker(cfg.idleTimeoutMs);
  // Never listens itself: connections reach it by emit('connection'); MeshTls keeps its context current.
  const tlsServer = meshTls.createServer(
    (socket, peerIdentity) => tracker.add(new DownstreamConnection(socket, cfg, peerIdentity)),
    (reason, remote) => logger.warn({ remote, reason }, 'inbound connection refused: no valid mesh client certificate'),
  );
  const plain = (socket: net.Socket): void => {
    tracker.add(new DownstreamConnection(socket, cfg, ''));
    socket.resume();
  };
  const server = net.createServer({ noDelay: true }, (socket) => {
    switch (mode()) {
      case 'STRICT':
        tlsServer.emit('connection', socket);
        return;
      case 'DISABLE':
        // A TLS client would otherwise sit in the HTTP parser (a ClientHello has no line end): close it at once.
        sniffTls(socket, SNIFF_TIMEOUT_MS, (isTls) => {
          if (!isTls) return plain(socket);
          logger.warn({ remote: socket.remoteAddress ?? '', reason: 'TLS handshake on a port whose PeerAuthentication mode is DISABLE' }, 'inbound connection refused: plaintext only');
          socket.destroy();
        });
        return;
      case 'PERMISSIVE':
        sniffTls(socket, SNIFF_TIMEOUT_MS, (isTls) => {
          if (isTls) tlsServer.emit('connection', socket);
          else plain(socket);
        });
    }
  });
  server.on('close', () => tlsServer.close());
  await listen(server, host, port);
  return { server, tracker };
}

/** The mode on this sidecar's service port: a port-level override, else the workload's mode; no mtls block means PERMISSIVE (Istio's default). */
export function inboundModeOf(mtls: InboundMtls | undefined, servicePort: number): MtlsMode {
  if (mtls === undefined) return 'PERMISSIVE';
  for (const p of mtls.portModes ?? []) if (p.port === servicePort) return p.mode;
  return mtls.mode;
}
