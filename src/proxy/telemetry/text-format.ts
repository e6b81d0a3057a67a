// Envoy's text access-log format run per request: a parsed format string (model/access-log-format.ts) compiled once into one small function per part, joined per line.
import type { FormatPart, SimpleOperator } from '../../model/access-log-format.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeaderJoined } from '../http/message.ts';

/** Everything one line is made from; `endMono` is the monotonic time the stream ended. */
export type LineInput = StreamRecord;
export type TextFormatter = (r: LineInput, endMono: number) => string;
type Piece = (r: LineInput, endMono: number) => string;

/** Envoy prints "-" for a value that is not set or empty. */
const UNSET = '-';
const orUnset = (v: string): string => (v === '' ? UNSET : v);

export function compileTextFormat(parts: readonly FormatPart[]): TextFormatter {
  const pieces: Piece[] = parts.map(pieceOf);
  // The line is usually literal text and a dozen operators: a plain loop over closures beats
  // building and joining an array per request.
  return (r, endMono) => {
    let line = '';
    for (let i = 0; i < pieces.length; i++) line += pieces[i]!(r, endMono);
    return line;
  };
}

function pieceOf(p: FormatPart): Piece {
  switch (p.kind) {
    case 'text': {
      const t = p.text;
      return () => t;
    }
    case 'op':
      return OPERATORS[p.op];
    case 'req':
    case 'resp': {
      const read = p.kind === 'req' ? requestValue : responseValue;
      const { header, alt, maxLength } = p;
      return (r) => {
        let v = read(r, header);
        if (v === undefined && alt !== null) v = read(r, alt);
        if (v === undefined || v === '') return UNSET;
        return maxLength !== null && v.length > maxLength ? v.slice(0, maxLength) : v;
      };
    }
  }
}

function requestValue(r: LineInput, name: string): string | undefined {
  switch (name) {
    case ':method': return r.request.method;
    case ':path': return r.request.path;
    case ':authority': return r.request.authority;
    case ':scheme': return r.request.scheme;
    default: return getHeaderJoined(r.request.headers, name);
  }
}

function responseValue(r: LineInput, name: string): string | undefined {
  const v = getHeaderJoined(r.responseHeaders, name);
  if (v !== undefined) return v;
  // Envoy's router adds this header to the response; Weft does not add it to the wire, but logs
  // the same figure so that Envoy's default format means what it says.
  if (name === 'x-envoy-upstream-service-time') return upstreamServiceTime(r);
  return undefined;
}

export function upstreamServiceTime(r: LineInput): string | undefined {
  const i = r.info;
  return i.upstreamStartMono > 0 && i.upstreamEndMono > 0 ? String(Math.round(i.upstreamEndMono - i.upstreamStartMono)) : undefined;
}

/** "address:port" of the downstream peer, IPv6 in brackets (Envoy's %DOWNSTREAM_REMOTE_ADDRESS%). */
export function downstreamRemote(r: LineInput): string {
  const a = r.info.downstreamRemoteAddress;
  if (a === '') return '';
  const host = a.includes(':') ? `[${a}]` : a;
  return r.info.downstreamRemotePort > 0 ? `${host}:${r.info.downstreamRemotePort}` : host;
}

const OPERATORS: Record<SimpleOperator, Piece> = {
  START_TIME: (r) => new Date(r.info.startTime).toISOString(),
  PROTOCOL: (r) => r.protocol,
  RESPONSE_CODE: (r) => String(r.info.responseCode),
  RESPONSE_FLAGS: (r) => orUnset(r.info.responseFlags),
  // Envoy writes details with underscores in place of spaces (they are tokens there).
  RESPONSE_CODE_DETAILS: (r) => orUnset(r.info.responseDetails.replaceAll(' ', '_')),
  BYTES_RECEIVED: (r) => String(r.request.body.received),
  BYTES_SENT: (r) => String(r.bytesSent),
  DURATION: (r, end) => String(Math.round(end - r.info.startMono)),
  UPSTREAM_HOST: (r) => orUnset(r.info.upstreamHost),
  UPSTREAM_CLUSTER: (r) => orUnset(r.info.upstreamCluster),
  UPSTREAM_CLUSTER_RAW: (r) => orUnset(r.info.upstreamCluster),
  UPSTREAM_LOCAL_ADDRESS: (r) => orUnset(r.info.upstreamLocalAddress),
  DOWNSTREAM_LOCAL_ADDRESS: (r) => orUnset(r.info.downstreamLocalAddress),
  DOWNSTREAM_REMOTE_ADDRESS: (r) => orUnset(downstreamRemote(r)),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (r) => orUnset(r.info.downstreamRemoteAddress),
  DOWNSTREAM_PEER_URI_SAN: (r) => orUnset(r.info.peerIdentity),
  ROUTE_NAME: (r) => orUnset(r.info.routeName),
  // Not known to Weft yet: "-", as Envoy prints a value it does not have.
  REQUESTED_SERVER_NAME: () => UNSET,
  CONNECTION_TERMINATION_DETAILS: () => UNSET,
  UPSTREAM_TRANSPORT_FAILURE_REASON: () => UNSET,
};
