/**
 * Access log: one JSON line per request per sidecar, with Envoy's field names, written in batches
 * (one write per event-loop turn) so logging does not add a syscall per request.
 */
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeader } from '../http/message.ts';

export class AccessLog {
  #out: NodeJS.WritableStream;
  #buf = '';
  #scheduled = false;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  record(r: StreamRecord): void {
    const { request: req, info } = r;
    const now = performance.now();
    const line = {
      start_time: new Date(info.startTime).toISOString(),
      direction: info.direction,
      method: req.method,
      path: req.path,
      protocol: r.protocol,
      response_code: info.responseCode,
      response_flags: info.responseFlags === '' ? '-' : info.responseFlags,
      response_code_details: info.responseDetails === '' ? undefined : info.responseDetails,
      bytes_received: req.body.received,
      bytes_sent: r.bytesSent,
      duration: Math.round(now - info.startMono),
      upstream_service_time: info.upstreamStartMono > 0 && info.upstreamEndMono > 0 ? Math.round(info.upstreamEndMono - info.upstreamStartMono) : undefined,
      x_forwarded_for: getHeader(req.headers, 'x-forwarded-for'),
      user_agent: getHeader(req.headers, 'user-agent'),
      request_id: info.requestId,
      authority: req.authority,
      upstream_host: info.upstreamHost === '' ? undefined : info.upstreamHost,
      upstream_cluster: info.upstreamCluster === '' ? undefined : info.upstreamCluster,
      route_name: info.routeName === '' ? undefined : info.routeName,
      downstream_remote_address: info.downstreamRemoteAddress,
      downstream_peer_identity: info.peerIdentity === '' ? undefined : info.peerIdentity,
    };
    this.#buf += `${JSON.stringify(line)}\n`;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  #flush = (): void => {
    this.#scheduled = false;
    const b = this.#buf;
    this.#buf = '';
    if (b !== '') this.#out.write(b);
  };

  flush(): void {
    this.#flush();
  }
}
