/**
 * Access log: one line per request per sidecar, JSON with Envoy's field names (the default) or
 * Envoy's text format, switched by ProxyConfig.telemetry.accessLog and written in batches (16 KiB
 * or 100 ms, whichever comes first) so logging does not add a syscall per request.
 *
 * JSON fields (Envoy's and Istio's names; null when not known): start_time, method, path,
 * protocol, response_code, response_flags, bytes_received, bytes_sent, duration, request_id,
 * authority, upstream_host, upstream_cluster, upstream_local_address, downstream_local_address,
 * downstream_remote_address; when known also response_code_details, upstream_service_time,
 * x_forwarded_for, user_agent, route_name, downstream_peer_identity; and Weft's `direction`.
 */
import { jsonString } from '../../lib/json-string.ts';
import { ENVOY_DEFAULT_TEXT_FORMAT, parseAccessLogFormat } from '../../model/access-log-format.ts';
import type { AccessLogConfig } from '../../model/proxy-config.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeader } from '../http/message.ts';
import type { LineSink } from '../options.ts';
import { compileTextFormat, downstreamRemote, type TextFormatter } from './text-format.ts';

const DEFAULT_TEXT = compileFormat(ENVOY_DEFAULT_TEXT_FORMAT);

/**
 * Lines are written when this much is buffered, or FLUSH_MS after the first of them (Envoy's
 * file access log buffers likewise, 64 KiB or its flush interval). Each line is written into a
 * byte buffer as it is made: collecting the lines as strings and joining them (or appending them
 * to one string, a deep rope) made the write flatten and convert every batch again. In paired
 * runs of chains that differ only in config, the access log was most of what "telemetry on at
 * 1 %" cost (bench/RESULTS.md, issue 5). A draining sidecar flushes what is left.
 */
const FLUSH_BYTES = 16 * 1024;
const FLUSH_MS = 100;
/** Room for FLUSH_BYTES and the line that passes it. */
const BUFFER_BYTES = 2 * FLUSH_BYTES;

export class AccessLog {
  #out: LineSink;
  /** Lines not written yet, as UTF-8: each line is copied in once, as it is made (see FLUSH_BYTES). */
  #buf = Buffer.allocUnsafeSlow(BUFFER_BYTES);
  #len = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Off until a config turns it on (compile/telemetry.ts: Istio's default). */
  #enabled = false;
  /** null: JSON. */
  #text: TextFormatter | null = null;
  #textSource: string | undefined;

  constructor(out: LineSink) {
    this.#out = out;
  }

  get enabled(): boolean { return this.#enabled; }

  /**
   * The access-log settings of a new config version (absent: off). The format string was
   * checked when the config was validated (model/validate-access-log.ts); it is compiled here
   * once, not per request, and kept while the next version carries the same string.
   */
  configure(cfg: AccessLogConfig | undefined): void {
    this.#enabled = cfg?.enabled ?? false;
    if (cfg === undefined || cfg.format === 'json') {
      this.#text = null;
      this.#textSource = undefined;
      return;
    }
    if (this.#text !== null && this.#textSource === cfg.textFormat) return;
    this.#text = cfg.textFormat === undefined ? DEFAULT_TEXT : compileFormat(cfg.textFormat);
    this.#textSource = cfg.textFormat;
  }

  record(r: StreamRecord): void {
    if (!this.#enabled) return;
    const now = performance.now();
    this.#append(this.#text === null ? jsonLine(r, now) : this.#text(r, now));
  }

  #append(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#len + 3 * line.length > this.#buf.length) {
      if (this.#len > 0) this.#flush();
      if (3 * line.length > this.#buf.length) this.#buf = Buffer.allocUnsafeSlow(3 * line.length);
    }
    this.#len += this.#buf.write(line, this.#len, 'utf8');
    if (this.#len >= FLUSH_BYTES) {
      this.#flush();
      return;
    }
    if (this.#timer === null) {
      this.#timer = setTimeout(this.#flush, FLUSH_MS);
      this.#timer.unref();
    }
  }

  #flush = (): void => {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#len === 0) return;
    const chunk = this.#buf.subarray(0, this.#len);
    this.#len = 0;
    // A stream may hold the bytes in its queue: they are its now, and a new buffer takes the next
    // lines. A synchronous writer is done with them, so the buffer serves again (a new one per
    // batch is external memory, which V8 counts towards its next full collection).
    if (this.#out.writesSynchronously !== true) this.#buf = Buffer.allocUnsafeSlow(BUFFER_BYTES);
    this.#out.write(chunk);
  };

  flush(): void {
    this.#flush();
  }
}

/** One JSON line, newline included. */
function jsonLine(r: StreamRecord, now: number): string {
  const { request: req, info } = r;
  // Built as a string, not an object for JSON.stringify: this runs once per request, and the
  // object walk was the largest item of the sidecar's own code in the CPU profile. Every value
  // that can carry user input goes through str(), lib/json-string.ts.
  // The method passed the parser's token check (codec-h1.ts METHOD): nothing in it needs escaping.
  let line = `{"start_time":"${isoTime(info.startTime)}","direction":"${info.direction}","method":"${req.method}"`
    + `,"path":${str(req.path)},"protocol":"${r.protocol}","response_code":${info.responseCode}`
    + `,"response_flags":"${info.responseFlags === '' ? '-' : info.responseFlags}"`;
  if (info.responseDetails !== '') line += `,"response_code_details":${str(info.responseDetails)}`;
  line += `,"bytes_received":${req.body.received},"bytes_sent":${r.bytesSent},"duration":${Math.round(now - info.startMono)}`;
  if (info.upstreamStartMono > 0 && info.upstreamEndMono > 0) line += `,"upstream_service_time":${Math.round(info.upstreamEndMono - info.upstreamStartMono)}`;
  const xff = getHeader(req.headers, 'x-forwarded-for');
  if (xff !== undefined) line += `,"x_forwarded_for":${str(xff)}`;
  const ua = getHeader(req.headers, 'user-agent');
  if (ua !== undefined) line += `,"user_agent":${str(ua)}`;
  // Addresses a socket reported ("ip:port") need no escaping; values from config repeat from line
  // to line and are escaped once per value (LastJson).
  line += `,"request_id":${str(info.requestId)},"authority":${str(req.authority)}`
    + `,"upstream_host":${upstreamHost.orNull(info.upstreamHost)},"upstream_cluster":${upstreamCluster.orNull(info.upstreamCluster)}`
    + `,"upstream_local_address":${socketAddress(info.upstreamLocalAddress)}`;
  if (info.routeName !== '') line += `,"route_name":${routeName.orNull(info.routeName)}`;
  line += `,"downstream_local_address":${socketAddress(info.downstreamLocalAddress)},"downstream_remote_address":${socketAddress(downstreamRemote(r))}`;
  if (info.peerIdentity !== '') line += `,"downstream_peer_identity":${peerIdentity.orNull(info.peerIdentity)}`;
  return `${line}}\n`;
}

/** An address a socket reported: digits, dots, colons, brackets, a zone id; nothing JSON must escape. */
function socketAddress(v: string): string {
  return v === '' ? 'null' : `"${v}"`;
}

/**
 * The JSON literal of the value a field had on the last line: upstream host and cluster, route
 * and peer identity come from config and certificates, the same string from one request to the
 * next, so a pointer comparison usually saves escaping them again.
 */
class LastJson {
  #raw = '';
  #json = 'null';

  orNull(v: string): string {
    if (v === '') return 'null';
    if (v !== this.#raw) {
      this.#raw = v;
      this.#json = jsonString(v);
    }
    return this.#json;
  }
}

const upstreamHost = new LastJson();
const upstreamCluster = new LastJson();
const routeName = new LastJson();
const peerIdentity = new LastJson();

/** Envoy writes no newline of its own; like Istio, Weft ends a format string that lacks one with it. */
function compileFormat(format: string): TextFormatter {
  const parsed = parseAccessLogFormat(format.endsWith('\n') ? format : `${format}\n`);
  // The config was validated before it got here; a string that still fails is a bug.
  if ('error' in parsed) throw new Error(`access log format rejected after validation: ${parsed.error}`);
  return compileTextFormat(parsed.parts);
}

const str = jsonString;

/** Date#toISOString of a wall-clock ms, remembered for the last one (requests of one millisecond share it). */
let lastMs = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
