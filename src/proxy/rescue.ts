/**
 * rescue: THE one place where an error becomes a response. Walks the cause chain for a ProxyError
 * (status + Envoy response flag); anything else is a bug and answers 500. Every local reply names
 * the proxy that produced it and why, so a user can tell which sidecar said 503 (the most common
 * complaint of Istio users).
 */
import { STATUS_CODES } from 'node:http';
import { isCausedBy, messageOf } from '../lib/errors.ts';
import { Body } from './http/body.ts';
import type { HttpResponse, StreamInfo } from './http/message.ts';
import { ProxyError } from './errors.ts';

/** The standard reason phrase (Node's table, the one node:http servers use). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? '';
}

export interface Rescuer {
  (err: unknown, info: StreamInfo): HttpResponse;
}

/** Builds the rescue function of one proxy; `onBug` sees errors that are not ProxyErrors. */
export function createRescue(proxyId: () => string, onBug: (err: unknown, info: StreamInfo) => void): Rescuer {
  return (err, info) => {
    const pe = isCausedBy(err, ProxyError);
    let status: number;
    let flag: string;
    let details: string;
    if (pe !== null) {
      status = pe.status;
      flag = pe.flag;
      details = pe.message;
    } else {
      onBug(err, info);
      status = 500;
      flag = 'DPE';
      details = `internal error: ${messageOf(err)}`;
    }
    info.responseFlags = info.responseFlags === '' ? flag : `${info.responseFlags},${flag}`;
    info.responseDetails = details;
    const text = pe?.body ?? `${details}\n`;
    const headers = [
      'content-type', 'text/plain; charset=utf-8',
      'server', 'weft',
      'x-weft-proxy', proxyId(),
      'x-weft-response-flags', info.responseFlags,
    ];
    if (pe !== null && pe.headers.length > 0) headers.push(...pe.headers);
    return { status, reason: reasonPhrase(status), headers, body: Body.of(text) };
  };
}
