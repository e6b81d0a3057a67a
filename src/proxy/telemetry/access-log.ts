/**
 * Access log: one JSON line per request per sidecar, with Envoy's field names, written in batches
 * (one write per event-loop turn) so logging does not add a syscall per request.
 */
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeader } from '../http/message.ts';
import type { LineSink } from '../options.ts';

export class AccessLog {
  #out: LineSink;
  #buf = '';
  #scheduled = false;

  constructor(out: LineSink) {
    this.#out = out;
  }

  record(r: StreamRecord): void {
    const { request: req, info } = r;
    const now = performance.now();
    // Built as a string, not an object for JSON.stringify: this runs once per request, and the
    // object walk was the largest item of the sidecar's own code in the CPU profile. Every value
    // that can carry user input goes through str(), which is JSON.stringify of one string.
    let line = `{"start_time":"${new Date(info.startTime).toISOString()}","direction":"${info.direction}","method":${str(req.method)}`
      + `,"path":${str(req.path)},"protocol":"${r.protocol}","response_code":${info.responseCode}`
      + `,"response_flags":"${info.responseFlags === '' ? '-' : info.responseFlags}"`;
    if (info.responseDetails !== '') line += `,"response_code_details":${str(info.responseDetails)}`;
    line += `,"bytes_received":${req.body.received},"bytes_sent":${r.bytesSent},"duration":${Math.round(now - info.startMono)}`;
    if (info.upstreamStartMono > 0 && info.upstreamEndMono > 0) line += `,"upstream_service_time":${Math.round(info.upstreamEndMono - info.upstreamStartMono)}`;
    const xff = getHeader(req.headers, 'x-forwarded-for');
    if (xff !== undefined) line += `,"x_forwarded_for":${str(xff)}`;
    const ua = getHeader(req.headers, 'user-agent');
    if (ua !== undefined) line += `,"user_agent":${str(ua)}`;
    line += `,"request_id":${str(info.requestId)},"authority":${str(req.authority)}`;
    if (info.upstreamHost !== '') line += `,"upstream_host":${str(info.upstreamHost)}`;
    if (info.upstreamCluster !== '') line += `,"upstream_cluster":${str(info.upstreamCluster)}`;
    if (info.routeName !== '') line += `,"route_name":${str(info.routeName)}`;
    line += `,"downstream_remote_address":${str(info.downstreamRemoteAddress)}`;
    if (info.peerIdentity !== '') line += `,"downstream_peer_identity":${str(info.peerIdentity)}`;
    line += '}';
    this.#buf += `${line}\n`;
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

const str = (v: string): string => JSON.stringify(v);
