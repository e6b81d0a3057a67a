// Trace collectors for the tests, on loopback: an OTLP/HTTP JSON receiver (POST /v1/traces) and a Zipkin v2 receiver (POST /api/v2/spans), each checking every span against the published schema and keeping what it got.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as either receiver normalizes it (ids hex, times in µs). */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: 'CLIENT' | 'SERVER';
  readonly service: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly spans: ReceivedSpan[];
  /** Every schema violation seen (the tests assert this stays empty). */
  readonly problems: string[];
  /** POSTs received. */
  posts: number;
  /** The request headers of every POST, in order. */
  readonly headers: IncomingHttpHeaders[];
  close(): Promise<void>;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** 2020-01-01 .. 2100-01-01 in µs: a timestamp in the wrong unit falls outside. */
const MIN_US = 1_577_836_800_000_000;
const MAX_US = 4_102_444_800_000_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { s += c; });
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

async function start(path: string, handle: (body: unknown, problems: string[]) => ReceivedSpan[], okStatus: number): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const problems: string[] = [];
  const r: { posts: number } = { posts: 0 };
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      if (req.method !== 'POST' || req.url !== path) {
        problems.push(`${req.method ?? '?'} ${req.url ?? '?'}: expected POST ${path}`);
        res.writeHead(404).end();
        return;
      }
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) problems.push(`content-type ${req.headers['content-type'] ?? '(none)'}`);
      r.posts++;
      headers.push(req.headers);
      try {
        spans.push(...handle(JSON.parse(text), problems));
      } catch (err) {
        problems.push(`unreadable body: ${(err as Error).message}`);
      }
      res.writeHead(okStatus, { 'content-type': 'application/json' }).end(okStatus === 200 ? '{}' : '');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    spans,
    problems,
    headers,
    get posts() { return r.posts; },
    set posts(n: number) { r.posts = n; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OTLP/HTTP JSON (opentelemetry-proto ExportTraceServiceRequest, JSON mapping): resourceSpans[]
 * with resource.attributes (service.name), scopeSpans[].spans[] with hex traceId (16 bytes) and
 * spanId (8 bytes), kind an enum number, start/end times as uint64 nanoseconds (decimal strings).
 */
export function startOtlpReceiver(): Promise<Receiver> {
  return start('/v1/traces', (body, problems) => {
    const out: ReceivedSpan[] = [];
    if (!isObj(body) || !Array.isArray(body['resourceSpans'])) { problems.push('OTLP: no resourceSpans list'); return out; }
    for (const rs of body['resourceSpans'] as unknown[]) {
      if (!isObj(rs) || !isObj(rs['resource']) || !Array.isArray(rs['scopeSpans'])) { problems.push('OTLP: ResourceSpans without resource or scopeSpans'); continue; }
      const attrs = attributes(rs['resource']['attributes'], problems);
      const service = attrs['service.name'];
      if (service === undefined) problems.push('OTLP: resource without service.name');
      for (const ss of rs['scopeSpans'] as unknown[]) {
        if (!isObj(ss) || !Array.isArray(ss['spans'])) { problems.push('OTLP: ScopeSpans without spans'); continue; }
        for (const s of ss['spans'] as unknown[]) {
          if (!isObj(s)) { problems.push('OTLP: span not an object'); continue; }
          const bad = (m: string): void => { problems.push(`OTLP span ${String(s['spanId'])}: ${m}`); };
          if (typeof s['traceId'] !== 'string' || !HEX32.test(s['traceId']) || /^0+$/.test(s['traceId'])) bad(`traceId ${String(s['traceId'])}`);
          if (typeof s['spanId'] !== 'string' || !HEX16.test(s['spanId']) || /^0+$/.test(s['spanId'])) bad(`spanId ${String(s['spanId'])}`);
          if (s['parentSpanId'] !== undefined && s['parentSpanId'] !== '' && (typeof s['parentSpanId'] !== 'string' || !HEX16.test(s['parentSpanId']))) bad(`parentSpanId ${String(s['parentSpanId'])}`);
          if (typeof s['name'] !== 'string' || s['name'] === '') bad('name');
          if (s['kind'] !== 2 && s['kind'] !== 3) bad(`kind ${String(s['kind'])} (want SERVER 2 or CLIENT 3)`);
          const st = nanos(s['startTimeUnixNano']);
          const en = nanos(s['endTimeUnixNano']);
          if (st === null || en === null || en < st) bad(`times ${String(s['startTimeUnixNano'])}..${String(s['endTimeUnixNano'])}`);
          const startUs = st === null ? 0 : Number(st / 1000n);
          if (startUs < MIN_US || startUs > MAX_US) bad(`startTimeUnixNano ${String(s['startTimeUnixNano'])} is not nanoseconds since the epoch`);
          if (s['status'] !== undefined && (!isObj(s['status']) || ![0, 1, 2, undefined].includes(s['status']['code'] as number))) bad('status');
          out.push({
            traceId: String(s['traceId']), spanId: String(s['spanId']), parentSpanId: s['parentSpanId'] === '' || s['parentSpanId'] === undefined ? undefined : String(s['parentSpanId']),
            name: String(s['name']), kind: s['kind'] === 3 ? 'CLIENT' : 'SERVER', service: service ?? '', startUs, endUs: en === null ? 0 : Number(en / 1000n),
            tags: attributes(s['attributes'], problems),
          });
        }
      }
    }
    return out;
  }, 200);
}

function nanos(v: unknown): bigint | null {
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return null;
}

function attributes(v: unknown, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined) return out;
  if (!Array.isArray(v)) { problems.push('OTLP: attributes not a list'); return out; }
  for (const a of v) {
    if (!isObj(a) || typeof a['key'] !== 'string' || !isObj(a['value'])) { problems.push('OTLP: attribute without key or value'); continue; }
    const sv = a['value']['stringValue'];
    if (typeof sv !== 'string') { problems.push(`OTLP: attribute ${a['key']} is not a stringValue`); continue; }
    out[a['key']] = sv;
  }
  return out;
}

/**
 * Zipkin v2 JSON (zipkin2 api v2 Span): a list; traceId 16 or 32 hex, id 16 hex, parentId 16 hex
 * when present, kind CLIENT/SERVER/PRODUCER/CONSUMER, timestamp and duration integer
 * microseconds (duration ≥ 1), localEndpoint.serviceName, string tags.
 */
export function startZipkinReceiver(): Promise<Receiver> {
  return start('/api/v2/spans', (body, problems) => {
    const out: ReceivedSpan[] = [];
    if (!Array.isArray(body)) { problems.push('Zipkin: body is not a list of spans'); return out; }
    for (const s of body as unknown[]) {
      if (!isObj(s)) { problems.push('Zipkin: span not an object'); continue; }
      const bad = (m: string): void => { problems.push(`Zipkin span ${String(s['id'])}: ${m}`); };
      if (typeof s['traceId'] !== 'string' || !/^([0-9a-f]{16}|[0-9a-f]{32})$/.test(s['traceId'])) bad(`traceId ${String(s['traceId'])}`);
      if (typeof s['id'] !== 'string' || !HEX16.test(s['id'])) bad(`id ${String(s['id'])}`);
      if (s['parentId'] !== undefined && (typeof s['parentId'] !== 'string' || !HEX16.test(s['parentId']))) bad(`parentId ${String(s['parentId'])}`);
      if (!['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'].includes(s['kind'] as string)) bad(`kind ${String(s['kind'])}`);
      if (!Number.isInteger(s['timestamp']) || (s['timestamp'] as number) < MIN_US || (s['timestamp'] as number) > MAX_US) bad(`timestamp ${String(s['timestamp'])} is not epoch microseconds`);
      if (!Number.isInteger(s['duration']) || (s['duration'] as number) < 1) bad(`duration ${String(s['duration'])}`);
      const local = s['localEndpoint'];
      if (!isObj(local) || typeof local['serviceName'] !== 'string' || local['serviceName'] === '') bad('localEndpoint.serviceName');
      const tags = s['tags'];
      if (tags !== undefined && (!isObj(tags) || Object.values(tags).some((v) => typeof v !== 'string'))) bad('tags must map strings to strings');
      out.push({
        traceId: String(s['traceId']), spanId: String(s['id']), parentSpanId: s['parentId'] === undefined ? undefined : String(s['parentId']),
        name: String(s['name'] ?? ''), kind: s['kind'] === 'CLIENT' ? 'CLIENT' : 'SERVER', service: isObj(local) ? String(local['serviceName']) : '',
        startUs: Number(s['timestamp']), endUs: Number(s['timestamp']) + Number(s['duration']), tags: (isObj(tags) ? tags : {}) as Record<string, string>,
      });
    }
    return out;
  }, 202);
}

/** Spans of one request (by the x-request-id every span carries as guid:x-request-id). */
export function spansOfRequest(spans: readonly ReceivedSpan[], requestId: string): ReceivedSpan[] {
  return spans.filter((s) => s.tags['guid:x-request-id'] === requestId);
}

export function assertNoProblems(r: Receiver, what: string): void {
  assert.deepEqual(r.problems, [], `${what} saw spans that break the schema`);
}
