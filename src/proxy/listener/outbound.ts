/**
 * The outbound listener: plain HTTP/1.1 from the local app (HTTP_PROXY absolute-form or
 * origin-form with Host), on loopback only, routed by the current config's route table.
 */
import * as net from 'node:net';
import { DownstreamConnection, type ConnectionManagerConfig } from '../http/connection-manager.ts';
import { ConnectionTracker } from './tracker.ts';

export async function startOutboundListener(host: string, port: number, cfg: ConnectionManagerConfig): Promise<{ server: net.Server; tracker: ConnectionTracker }> {
  const tracker = new ConnectionTracker(cfg.idleTimeoutMs);
  const server = net.createServer({ noDelay: true }, (socket) => {
    tracker.add(new DownstreamConnection(socket, cfg));
  });
  await listen(server, host, port);
  return { server, tracker };
}

export function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 1024 }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}
