/**
 * Header hygiene at the proxy's edges: hop-by-hop fields removed (RFC 9110 §7.6.1), and the
 * x-forwarded-* / x-request-id fields a user of Envoy expects.
 */
import { randomUUID } from 'node:crypto';

/**
 * Fields that describe one connection, never forwarded (connection, keep-alive, proxy-connection,
 * te, trailer, transfer-encoding, upgrade, expect). Framing fields are re-derived per hop. Tested by
 * length, then by name, not by a Set: a parsed name is a new string, and a Set lookup hashes it
 * first, for every field of every request and response.
 */
export function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2: return name === 'te';
    case 6: return name === 'expect';
    case 7: return name === 'trailer' || name === 'upgrade';
    case 10: return name === 'connection' || name === 'keep-alive';
    case 16: return name === 'proxy-connection';
    case 17: return name === 'transfer-encoding';
    default: return false;
  }
}

/**
 * Returns the end-to-end fields of a parsed head (a new array): drops hop-by-hop fields and any
 * field the Connection header names. Transfer-Encoding goes; Content-Length stays (the writer
 * replaces it with the length of the body it actually sends, and keeps it on HEAD/304 answers).
 */
export function endToEnd(headers: readonly string[]): string[] {
  let named: Set<string> | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'connection') {
      for (const t of headers[i + 1]!.split(',')) {
        const n = t.trim().toLowerCase();
        if (n !== '' && n !== 'close' && n !== 'keep-alive') (named ??= new Set()).add(n);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (isHopByHop(name)) continue;
    if (named !== null && named.has(name)) continue;
    out.push(name, headers[i + 1]!);
  }
  return out;
}

/**
 * Sets x-request-id (kept when the caller sent one), x-forwarded-proto (when absent) and appends
 * the downstream address to x-forwarded-for. Returns the request id.
 */
export function setForwardingHeaders(headers: string[], remoteAddress: string, proto: string): string {
  let requestId: string | undefined;
  let xffIndex = -1;
  let hasProto = false;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i];
    if (n === 'x-request-id') requestId = headers[i + 1];
    else if (n === 'x-forwarded-for') xffIndex = i + 1;
    else if (n === 'x-forwarded-proto') hasProto = true;
  }
  if (requestId === undefined || requestId === '') {
    requestId = randomUUID();
    headers.push('x-request-id', requestId);
  }
  if (remoteAddress !== '') {
    if (xffIndex === -1) headers.push('x-forwarded-for', remoteAddress);
    else headers[xffIndex] = `${headers[xffIndex]!}, ${remoteAddress}`;
  }
  if (!hasProto) headers.push('x-forwarded-proto', proto);
  return requestId;
}
