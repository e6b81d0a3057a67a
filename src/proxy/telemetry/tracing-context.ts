/**
 * Trace context on the wire: reading W3C traceparent (W3C Trace Context §3.2), B3 single (`b3`)
 * and B3 multi-header (x-b3-*) from a flat header list, and writing one context back in all of
 * them so that a hop that reads either format sees the same trace, span and decision.
 *
 *   traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags, bit 0 = sampled>
 *   b3:          <trace id>-<span id>[-<1|0|d>[-<parent id>]]   or just  1 | 0 | d
 *   x-b3-traceid (16 or 32 hex), x-b3-spanid, x-b3-parentspanid, x-b3-sampled (1/0/true/false), x-b3-flags (1 = debug)
 *
 * A 64-bit B3 trace id is left-padded to 128 bits, as OpenTelemetry's B3 propagator does.
 */

/** The sampling decision a request carries: true, false, or none (the next sidecar decides). */
export type Decision = boolean | null;

export interface IncomingContext {
  /** 32 lower-case hex digits, or '' when the request carries no trace id. */
  traceId: string;
  /** The caller's span id (16 hex), or ''. */
  spanId: string;
  sampled: Decision;
  /** x-b3-flags: 1 or `b3: d`: sampled and forced. */
  debug: boolean;
  /** The request carried a `b3` single header (so the answer keeps that format too). */
  single: boolean;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '00000000000000000000000000000000';
const ZERO16 = '0000000000000000';

/** Header names this module reads and rewrites. */
export const TRACE_HEADERS = ['traceparent', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags'] as const;

function traceIdOf(id: string): string {
  const t = id.toLowerCase();
  const full = t.length === 16 ? `${ZERO16}${t}` : t;
  return HEX32.test(full) && full !== ZERO32 ? full : '';
}

function spanIdOf(id: string): string {
  const s = id.toLowerCase();
  return HEX16.test(s) && s !== ZERO16 ? s : '';
}

function b3Decision(v: string): Decision {
  if (v === '1' || v === 'true' || v === 'd') return true;
  if (v === '0' || v === 'false') return false;
  return null;
}

/**
 * The context of a request, or null when it carries none (no trace header at all: the cheap,
 * common case allocates nothing). W3C traceparent wins over B3; B3 single over B3 multi. A
 * malformed header counts as absent (W3C §3.2.2.x: restart the trace), except that a valid
 * sampling decision alone still binds.
 */
export function readContext(headers: readonly string[]): IncomingContext | null {
  let traceparent: string | undefined;
  let single: string | undefined;
  let b3Trace: string | undefined;
  let b3Span: string | undefined;
  let b3Sampled: string | undefined;
  let b3Flags: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    // Every name of interest starts with 't', 'b' or 'x-b3-': skip the rest with one compare.
    const c = n.charCodeAt(0);
    if (c !== 116 && c !== 98 && c !== 120) continue;
    if (n === 'traceparent') traceparent ??= headers[i + 1];
    else if (n === 'b3') single ??= headers[i + 1];
    else if (n === 'x-b3-traceid') b3Trace ??= headers[i + 1];
    else if (n === 'x-b3-spanid') b3Span ??= headers[i + 1];
    else if (n === 'x-b3-sampled') b3Sampled ??= headers[i + 1];
    else if (n === 'x-b3-flags') b3Flags ??= headers[i + 1];
  }
  if (traceparent === undefined && single === undefined && b3Trace === undefined && b3Sampled === undefined && b3Flags === undefined) return null;
  if (traceparent !== undefined) {
    const w3c = parseTraceparent(traceparent);
    if (w3c !== null) {
      // Completed in place (one object per sampled hop, not two).
      w3c.debug = b3Flags !== undefined && b3Flags.trim() === '1';
      w3c.single = single !== undefined;
      return w3c;
    }
  }
  if (single !== undefined) {
    const b = parseB3Single(single);
    if (b !== null) return b;
  }
  const debug = b3Flags?.trim() === '1';
  const sampled = debug ? true : b3Sampled === undefined ? null : b3Decision(b3Sampled.trim().toLowerCase());
  const traceId = b3Trace === undefined ? '' : traceIdOf(b3Trace.trim());
  const spanId = b3Span === undefined ? '' : spanIdOf(b3Span.trim());
  if (traceId === '' || spanId === '') return sampled === null ? null : { traceId: '', spanId: '', sampled, debug, single: false };
  return { traceId, spanId, sampled, debug, single: false };
}

/** W3C traceparent, version 00 (and future versions read as 00, §3.2.4); null when malformed. */
export function parseTraceparent(v: string): IncomingContext | null {
  const s = v.trim();
  // 00-<32 hex>-<16 hex>-<2 hex>, checked in place (every sampled hop reads one: no regex, no slice until it holds).
  if (s.length < 55 || s.charCodeAt(2) !== 45 || s.charCodeAt(35) !== 45 || s.charCodeAt(52) !== 45) return null;
  if (!lowerHex(s, 0, 2) || (s.charCodeAt(0) === 102 && s.charCodeAt(1) === 102)) return null; // version ff is invalid
  const v00 = s.charCodeAt(0) === 48 && s.charCodeAt(1) === 48;
  if (v00 ? s.length !== 55 : s.length > 55 && s.charCodeAt(55) !== 45) return null;
  if (!lowerHex(s, 3, 35) || !lowerHex(s, 36, 52) || !lowerHex(s, 53, 55)) return null;
  const traceId = s.slice(3, 35);
  const spanId = s.slice(36, 52);
  if (traceId === ZERO32 || spanId === ZERO16) return null;
  return { traceId, spanId, sampled: (hexDigit(s.charCodeAt(54)) & 1) === 1, debug: false, single: false };
}

/** Whether s[from, to) is all lower-case hex digits. */
function lowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (hexDigit(s.charCodeAt(i)) < 0) return false;
  return true;
}

/** The value of a lower-case hex digit's char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** B3 single header; null when malformed. */
export function parseB3Single(v: string): IncomingContext | null {
  const s = v.trim().toLowerCase();
  if (s === '0' || s === '1' || s === 'd') return { traceId: '', spanId: '', sampled: b3Decision(s), debug: s === 'd', single: true };
  const parts = s.split('-');
  if (parts.length < 2 || parts.length > 4) return null;
  const traceId = traceIdOf(parts[0]!);
  const spanId = spanIdOf(parts[1]!);
  if (traceId === '' || spanId === '') return null;
  const flag = parts[2];
  const sampled = flag === undefined ? null : b3Decision(flag);
  if (flag !== undefined && sampled === null) return null;
  if (parts[3] !== undefined && spanIdOf(parts[3]) === '') return null;
  return { traceId, spanId, sampled, debug: flag === 'd', single: true };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

export function formatB3Single(traceId: string, spanId: string, sampled: boolean, debug: boolean, parentSpanId: string): string {
  return `${traceId}-${spanId}-${debug ? 'd' : sampled ? '1' : '0'}${parentSpanId === '' ? '' : `-${parentSpanId}`}`;
}

/**
 * Replaces the request's trace headers by one sampled context: this hop's span is the parent of
 * whatever the next hop makes. Written in W3C and B3 multi always, and B3 single when the request
 * came with it. In one pass over the list: a header already there takes its new value where it
 * stands, one not wanted any more (or a repeat) is dropped, and the missing ones are appended (a
 * hop behind a sampled sidecar gets the same names back, so nothing moves). tracestate and every
 * other header stay as they are (vendors' state passes through).
 */
export function writeContext(headers: string[], traceId: string, spanId: string, parentSpanId: string, debug: boolean, single: boolean): void {
  // By WRITTEN_NAMES' index ('' = not written). Indexed by number, not keyed by the header's name:
  // a parsed name is not an internalized string, and each keyed lookup by one costs V8 a search
  // of its string table (seen in perf of the sidecars at 100 % sampling).
  const values = [
    formatTraceparent(traceId, spanId, true),
    traceId,
    spanId,
    parentSpanId,
    '1',
    debug ? '1' : '',
    single ? formatB3Single(traceId, spanId, true, debug, parentSpanId) : '',
  ];
  let written = 0;
  let w = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    const k = writtenIndex(n);
    if (k !== NOT_TRACE) {
      // An unknown x-b3-* header, one not wanted now, or a repeat: dropped.
      if (k === UNKNOWN_B3) continue;
      const value = values[k]!;
      if (value === '' || (written & (1 << k)) !== 0) continue;
      written |= 1 << k;
      headers[w] = n;
      headers[w + 1] = value;
    } else if (w !== i) {
      headers[w] = n;
      headers[w + 1] = headers[i + 1]!;
    }
    w += 2;
  }
  headers.length = w;
  for (let k = 0; k < WRITTEN_NAMES.length; k++) if ((written & (1 << k)) === 0 && values[k] !== '') headers.push(WRITTEN_NAMES[k]!, values[k]!);
}

/** The headers writeContext writes, in the order it appends those a request did not have. */
const WRITTEN_NAMES = ['traceparent', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'b3'] as const;
const NOT_TRACE = -1;
const UNKNOWN_B3 = -2;

/** A header name's index in WRITTEN_NAMES; UNKNOWN_B3 for another x-b3-* name; NOT_TRACE for the rest. */
function writtenIndex(n: string): number {
  // Every trace header starts with 't', 'b' or 'x-b3-': the rest leave at the first compare.
  const c = n.charCodeAt(0);
  if (c === 116) return n === 'traceparent' ? 0 : NOT_TRACE;
  if (c === 98) return n === 'b3' ? 6 : NOT_TRACE;
  if (c !== 120 || !n.startsWith('x-b3-')) return NOT_TRACE;
  if (n === 'x-b3-traceid') return 1;
  if (n === 'x-b3-spanid') return 2;
  if (n === 'x-b3-parentspanid') return 3;
  if (n === 'x-b3-sampled') return 4;
  if (n === 'x-b3-flags') return 5;
  return UNKNOWN_B3;
}
