/**
 * The request/response types every stage of the sidecar's HTTP pipeline passes along, the
 * per-stream StreamInfo that stats and access logs read when a stream ends, and the Service/Layer
 * shapes of the pipeline (STYLE.md §7.2).
 */
import type { Endpoint } from '../../model/proxy-config.ts';
import type { PeerMetadata } from '../telemetry/peer-metadata.ts';
import type { Body } from './body.ts';

export interface HttpRequest {
  readonly method: string;
  /** Lower-case host[:port] the request is for (from the absolute-form target or Host). */
  readonly authority: string;
  /** Origin-form path with query ("/users/1?x=y"). */
  readonly path: string;
  readonly scheme: string;
  /** Flat [name, value, …], lower-case names, hop-by-hop fields already removed. Stages may edit it. */
  readonly headers: string[];
  readonly body: Body;
  readonly info: StreamInfo;
}

export interface HttpResponse {
  readonly status: number;
  readonly reason?: string;
  /** Flat [name, value, …], lower-case names, hop-by-hop fields already removed. */
  readonly headers: string[];
  readonly body: Body;
}

/** What happened to one request, filled in as it moves; read once the stream ends (Envoy's StreamInfo). */
export interface StreamInfo {
  /** Wall-clock start (ms since epoch) and monotonic start (ms) for the duration. */
  readonly startTime: number;
  readonly startMono: number;
  readonly direction: 'outbound' | 'inbound';
  readonly downstreamRemoteAddress: string;
  /** Port of the downstream peer (0 when unknown); with downstreamRemoteAddress, Envoy's %DOWNSTREAM_REMOTE_ADDRESS% (issue 5, access logs). */
  downstreamRemotePort: number;
  /** "address:port" this sidecar accepted the request on (Envoy's %DOWNSTREAM_LOCAL_ADDRESS%; issue 5). */
  downstreamLocalAddress: string;
  /** "address:port" of this sidecar's end of the upstream connection, "" before one (Envoy's %UPSTREAM_LOCAL_ADDRESS%; issue 5). */
  upstreamLocalAddress: string;
  /** The endpoint the last attempt went to (set by forward), null when none was picked (issue 5: metrics and the service graph). */
  upstreamEndpoint: Endpoint | null;
  /** The other sidecar's workload from the metadata exchange, set only when its identity checked out; null: unknown (issue 5, metrics). */
  peerMetadata: PeerMetadata | null;
  requestId: string;
  routeName: string;
  upstreamCluster: string;
  upstreamHost: string;
  /** Envoy short response flags, e.g. "UF", or "" when none. */
  responseFlags: string;
  /** Free-form reason for a local reply, for logs ("no healthy upstream in cluster …"). */
  responseDetails: string;
  /** The peer's SPIFFE id on the inbound side (verified from its certificate). */
  peerIdentity: string;
  /**
   * Inbound: the caller's sidecar sent its metadata (metadata-exchange.ts), trusted or not, so it
   * reports this request to the service graph itself (issue 5; a plaintext call has no identity).
   */
  callerReports: boolean;
  /** Set when the response head is known. */
  responseCode: number;
  /** Monotonic time the first response byte was ready (for upstream service time). */
  upstreamStartMono: number;
  upstreamEndMono: number;
  /** Set when the downstream connection closed before the response was complete: nothing more is worth sending upstream. */
  downstreamGone: boolean;
  /** The upstream connection of the attempt in flight (set by forward), closed if the downstream goes away first. */
  upstreamConnection: { destroy(): void } | null;
  /** Issue 5: the span this sidecar opened for the request (tracing.ts), null when not sampled. */
  span: OpenSpan | null;
}

/** The ids of a span in progress: its trace, its own id, its parent's ('' for a root). */
export interface OpenSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
}

export type Service = (req: HttpRequest) => Promise<HttpResponse>;
export type Layer = (inner: Service) => Service;

export function newStreamInfo(direction: 'outbound' | 'inbound', remote: string): StreamInfo {
  return {
    startTime: Date.now(),
    startMono: performance.now(),
    direction,
    downstreamRemoteAddress: remote,
    downstreamRemotePort: 0,
    downstreamLocalAddress: '',
    upstreamLocalAddress: '',
    upstreamEndpoint: null,
    peerMetadata: null,
    requestId: '',
    routeName: '',
    upstreamCluster: '',
    upstreamHost: '',
    responseFlags: '',
    responseDetails: '',
    peerIdentity: '',
    callerReports: false,
    responseCode: 0,
    upstreamStartMono: 0,
    upstreamEndMono: 0,
    downstreamGone: false,
    upstreamConnection: null,
    span: null,
  };
}

/** First value of header `name` (lower-case) in a flat header list, or undefined. */
export function getHeader(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** All values of `name` joined with ", " (how a list-valued field reads as one, RFC 9110 §5.3). */
export function getHeaderJoined(headers: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) out = out === undefined ? headers[i + 1] : `${out}, ${headers[i + 1]!}`;
  }
  return out;
}

/** Replaces every `name` field with one `name: value`. */
export function setHeader(headers: string[], name: string, value: string): void {
  removeHeader(headers, name);
  headers.push(name, value);
}

export function removeHeader(headers: string[], name: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i] === name) headers.splice(i, 2);
}
