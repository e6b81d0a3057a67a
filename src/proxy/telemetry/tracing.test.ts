// Tests of the tracer on in-process requests: edge sampling at 0 %, 100 % and a share, incoming decisions honoured, CLIENT/SERVER spans with Envoy's tags, and both wire encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import type { ProxyConfig, TracingConfig } from '../../model/proxy-config.ts';
import type { SpanBatch, SpanRecord } from '../../model/trace.ts';
import { newStreamInfo, getHeader, type HttpRequest } from '../http/message.ts';
import { request, runFor, seededRandom } from '../filters/test-fixtures.ts';
import { postOptions, Tracer, withEnvironmentTags } from './tracing.ts';
import * as http from 'node:http';
import * as net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const node = { id: 'order-service-v1.default', workload: 'order-service-v1', namespace: 'default', service: 'order-service', serviceAccount: 'order-service', labels: { app: 'order-service', version: 'v1' } };

function config(tracing: Partial<TracingConfig> | undefined): Pick<ProxyConfig, 'node' | 'telemetry'> {
  return tracing === undefined ? { node } : { node, telemetry: { tracing: { samplingPercent: 100, exporters: [], customTags: [], maxPathTagLength: 256, ...tracing } } };
}

/** The trace store's budget is set out of reach unless a test is about it. */
function setup(tracing: Partial<TracingConfig> | undefined, random: () => number = Math.random, storeSpansPerSecond = 1e9): { tracer: Tracer; spans: SpanRecord[]; posts: { url: string; body: string }[]; clock: VirtualClock } {
  const spans: SpanRecord[] = [];
  const posts: { url: string; body: string }[] = [];
  const clock = new VirtualClock(0);
  const tracer = new Tracer({
    // The control plane's schema checks the same body in test/proxy/span-wire.test.ts.
    // Bodies are copied out at once, as a collector would read them.
    sendToControlPlane: (json) => { spans.push(...(JSON.parse(json.toString('utf8')) as SpanBatch).spans); return Promise.resolve(); },
    storeSpansPerSecond,
    post: (url, _type, body) => { posts.push({ url, body: body.toString('utf8') }); return Promise.resolve(); },
    clock,
    random,
    batch: { flushMs: 10 },
  });
  tracer.update(config(tracing));
  return { tracer, spans, posts, clock };
}

/** Runs `req` through start, answers `status`, ends the stream. */
function pass(tracer: Tracer, req: HttpRequest, status = 200): void {
  tracer.start(req);
  req.info.responseCode = status;
  req.info.upstreamCluster = req.info.direction === 'outbound' ? 'outbound|8080|v2|user-service.default.svc.cluster.local' : '';
  tracer.end({ request: req, info: req.info, protocol: 'HTTP/1.1', bytesSent: 42, responseHeaders: [] });
}

function inbound(headers: readonly string[]): HttpRequest {
  const r = request({ headers, path: '/users/7?x=1', authority: 'user-service:8080' });
  return { ...r, info: Object.assign(newStreamInfo('inbound', '10.0.0.9'), { requestId: 'rid' }) };
}

test('tracing off: headers pass untouched and nothing is recorded', async () => {
  const { tracer, spans, clock } = setup(undefined);
  const req = request({ headers: ['traceparent', `00-${TRACE}-${SPAN}-01`] });
  const before = [...req.headers];
  pass(tracer, req);
  await runFor(clock, 100);
  assert.deepEqual(req.headers, before);
  assert.deepEqual(spans, []);
  assert.equal(tracer.enabled, false);
});

test('sampling at the edge: 0 % says no downstream (x-b3-sampled: 0), 100 % samples all, 25 % samples about a quarter', async () => {
  const none = setup({ samplingPercent: 0 });
  const r0 = request();
  pass(none.tracer, r0);
  assert.equal(getHeader(r0.headers, 'x-b3-sampled'), '0');
  assert.equal(getHeader(r0.headers, 'traceparent'), undefined);
  const all = setup({ samplingPercent: 100 });
  for (let i = 0; i < 50; i++) pass(all.tracer, request());
  const quarter = setup({ samplingPercent: 25 }, seededRandom(7));
  for (let i = 0; i < 2000; i++) pass(quarter.tracer, request());
  await Promise.all([none, all, quarter].map((s) => runFor(s.clock, 100)));
  assert.equal(none.spans.length, 0);
  assert.equal(all.spans.length, 50);
  assert.ok(Math.abs(quarter.spans.length - 500) < 80, `sampled ${quarter.spans.length} of 2000 at 25 %`);
});

test('an incoming decision is honoured whatever the local percentage: sampled traceparent at 0 %, x-b3-sampled 0 at 100 %', async () => {
  const { tracer, spans, clock } = setup({ samplingPercent: 0 });
  const req = inbound(['traceparent', `00-${TRACE}-${SPAN}-01`, 'tracestate', 'v=1']);
  pass(tracer, req);
  await runFor(clock, 100);
  assert.equal(spans.length, 1);
  const s = spans[0]!;
  assert.equal(s.traceId, TRACE);
  assert.equal(s.parentSpanId, SPAN);
  assert.equal(s.kind, 'SERVER');
  assert.equal(getHeader(req.headers, 'traceparent'), `00-${TRACE}-${s.spanId}-01`, 'the app sees the server span as its parent');
  assert.equal(getHeader(req.headers, 'tracestate'), 'v=1');
  const on = setup({ samplingPercent: 100 });
  const no = inbound(['x-b3-traceid', TRACE, 'x-b3-spanid', SPAN, 'x-b3-sampled', '0']);
  const before = [...no.headers];
  pass(on.tracer, no);
  await runFor(on.clock, 100);
  assert.deepEqual(on.spans, []);
  assert.deepEqual(no.headers, before, 'an unsampled context passes as it came');
});

test('a CLIENT span carries Envoy\'s tags and custom tags; B3 in, W3C and B3 out', async () => {
  const { tracer, spans, clock } = setup({ customTags: [{ tag: 'team', kind: 'literal', value: 'orders' }, { tag: 'user', kind: 'header', header: 'x-user', defaultValue: 'anon' }], maxPathTagLength: 30 });
  const req = request({ authority: 'user-service:8080', path: '/users/123456789012345678901234567890', headers: ['x-b3-traceid', TRACE, 'x-b3-spanid', SPAN, 'x-b3-sampled', '1', 'user-agent', 'curl'] });
  pass(tracer, req, 503);
  await runFor(clock, 100);
  const s = spans[0]!;
  assert.equal(s.kind, 'CLIENT');
  assert.equal(s.service, 'order-service.default');
  assert.equal(s.error, true);
  assert.equal(getHeader(req.headers, 'traceparent'), `00-${TRACE}-${s.spanId}-01`);
  assert.equal(getHeader(req.headers, 'x-b3-spanid'), s.spanId);
  assert.equal(getHeader(req.headers, 'x-b3-parentspanid'), SPAN);
  assert.deepEqual(s.tags, {
    component: 'proxy', node_id: node.id, 'guid:x-request-id': 'req-1', 'http.url': 'http://user-service:8080/users', 'http.method': 'GET', 'http.protocol': 'HTTP/1.1',
    'http.status_code': '503', response_flags: '-', request_size: '0', response_size: '42',
    upstream_cluster: 'outbound|8080|v2|user-service.default.svc.cluster.local', 'upstream_cluster.name': 'outbound|8080|v2|user-service.default.svc.cluster.local',
    'peer.address': '127.0.0.1', downstream_cluster: '-', 'istio.canonical_service': 'order-service', 'istio.canonical_revision': 'v1', 'istio.namespace': 'default',
    'istio.mesh_id': 'cluster.local', user_agent: 'curl', team: 'orders', user: 'anon', error: 'true',
  });
  assert.equal(s.name.length, 30);
});

test('spans go to the control plane and to every collector, encoded as OTLP JSON and Zipkin v2', async () => {
  const { tracer, spans, posts, clock } = setup({ exporters: [{ protocol: 'otlp-http', url: 'http://c:4318/v1/traces' }, { protocol: 'zipkin', url: 'http://z:9411/api/v2/spans' }] });
  pass(tracer, request());
  await runFor(clock, 100);
  assert.equal(spans.length, 1);
  assert.deepEqual(posts.map((p) => p.url).sort(), ['http://c:4318/v1/traces', 'http://z:9411/api/v2/spans']);
  const s = spans[0]!;
  const body = (url: string): string => posts.find((p) => p.url === url)!.body;
  const otlp = JSON.parse(body('http://c:4318/v1/traces')) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue: string } }[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  const o = otlp.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.equal(otlp.resourceSpans[0]!.resource.attributes[0]!.value.stringValue, 'order-service.default');
  assert.equal(o['traceId'], s.traceId);
  assert.equal(o['kind'], 3);
  assert.equal(o['startTimeUnixNano'], `${s.startUs}000`);
  assert.equal(BigInt(o['endTimeUnixNano'] as string) - BigInt(o['startTimeUnixNano'] as string), BigInt(s.durationUs) * 1000n);
  const attrs = Object.fromEntries((o['attributes'] as { key: string; value: { stringValue: string } }[]).map((a) => [a.key, a.value.stringValue]));
  assert.deepEqual(attrs, s.tags, 'OTLP attributes = the span\'s tags, each once');
  const z = (JSON.parse(body('http://z:9411/api/v2/spans')) as Record<string, unknown>[])[0]!;
  assert.deepEqual([z['traceId'], z['id'], z['kind'], z['timestamp'], z['duration']], [s.traceId, s.spanId, 'CLIENT', s.startUs, s.durationUs]);
  assert.deepEqual(z['remoteEndpoint'], { serviceName: 'user-service.default' });
  assert.deepEqual(z['localEndpoint'], { serviceName: 'order-service.default' });
  assert.deepEqual(z['tags'], s.tags);
  tracer.update(config(undefined));
  await tracer.close();
});

test('a span stays within the control plane\'s limits whatever the request carries', async () => {
  const many = Array.from({ length: 80 }, (_, i) => ({ tag: `t${i}`, kind: 'literal' as const, value: 'v'.repeat(300) }));
  const { tracer, spans, clock } = setup({ customTags: many });
  pass(tracer, request({ path: `/${'p'.repeat(5000)}`, headers: ['user-agent', 'u'.repeat(5000), 'x-request-id', 'r'.repeat(5000)] }), 500);
  await runFor(clock, 100);
  const tags = Object.entries(spans[0]!.tags);
  assert.ok(tags.length <= 64, `${tags.length} tags`);
  assert.ok(tags.reduce((n, [k, v]) => n + k.length + v.length, 0) <= 4096);
  assert.equal(spans[0]!.tags['error'], 'true', 'the error tag always fits');
  assert.ok(tags.some(([k]) => k === 't0'), 'custom tags fill the rest');
});

test('hand-written bodies escape request text: quotes, backslashes and control characters survive every encoding', async () => {
  const { tracer, spans, posts, clock } = setup({ exporters: [{ protocol: 'otlp-http', url: 'http://c/v1/traces' }, { protocol: 'zipkin', url: 'http://z/api/v2/spans' }], customTags: [{ tag: 'q"uote', kind: 'header', header: 'x-odd' }] });
  const odd = 'a"b\\c\u0001d\té';
  pass(tracer, request({ path: `/p"\\${encodeURIComponent('é')}`, headers: ['user-agent', odd, 'x-odd', odd] }));
  await runFor(clock, 100);
  assert.equal(spans[0]!.tags['user_agent'], odd);
  assert.equal(spans[0]!.tags['q"uote'], odd);
  for (const p of posts) JSON.parse(p.body);
  const z = (JSON.parse(posts.find((p) => p.url.startsWith('http://z'))!.body) as { tags: Record<string, string> }[])[0]!;
  assert.equal(z.tags['user_agent'], odd);
});

test('a custom tag named like a standard one replaces its value instead of repeating the key (and is escaped like any text)', async () => {
  const { tracer, spans, posts, clock } = setup({ exporters: [{ protocol: 'otlp-http', url: 'http://c/v1/traces' }, { protocol: 'zipkin', url: 'http://z/api/v2/spans' }], customTags: [{ tag: 'http.method', kind: 'literal', value: 'CUS"TOM\\' }] });
  pass(tracer, request());
  await runFor(clock, 100);
  assert.equal(spans[0]!.tags['http.method'], 'CUS"TOM\\');
  const otlp = posts.find((p) => p.url.endsWith('/v1/traces'))!;
  const attributes = (JSON.parse(otlp.body) as { resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes;
  assert.deepEqual(attributes.filter((a) => a.key === 'http.method').map((a) => a.value.stringValue), ['CUS"TOM\\']);
  const zipkin = posts.find((p) => p.url.endsWith('/api/v2/spans'))!;
  assert.equal((JSON.parse(zipkin.body) as { tags: Record<string, string> }[])[0]!.tags['http.method'], 'CUS"TOM\\');
});

test('the trace store gets every span while under its budget, then a share chosen by trace id: whole traces, about budget per second', async () => {
  // Two sidecars of one call path, the same traffic: 1000 sampled requests a second, budget 100.
  const budget = 100;
  const a = setup({ exporters: [{ protocol: 'zipkin', url: 'http://z/a' }] }, Math.random, budget);
  const b = setup({}, Math.random, budget);
  for (let i = 0; i < 50; i++) pass(a.tracer, request());
  await runFor(a.clock, 500);
  assert.equal(a.spans.length, 50, 'under budget: all');
  const ids: string[] = [];
  for (let second = 0; second < 4; second++) {
    for (let i = 0; i < 1000; i++) {
      const r = request();
      pass(a.tracer, r);
      const ctx = getHeader(r.headers, 'traceparent')!;
      ids.push(ctx.slice(3, 35));
      pass(b.tracer, inbound(['traceparent', ctx]));
    }
    await Promise.all([runFor(a.clock, 1000), runFor(b.clock, 1000)]);
  }
  // The collector got every span; the store about budget per second after the first second.
  const zipkinSpans = a.posts.reduce((n, p) => n + (JSON.parse(p.body) as unknown[]).length, 0);
  assert.equal(zipkinSpans, 4050);
  const later = (spans: SpanRecord[]): Set<string> => new Set(spans.filter((s) => ids.indexOf(s.traceId) >= 1000).map((s) => s.traceId));
  const storedA = later(a.spans);
  const storedB = later(b.spans);
  assert.ok(storedA.size > 3 * budget * 0.6 && storedA.size < 3 * budget * 1.5, `sidecar A stored ${storedA.size} traces in 3 s`);
  const both = [...storedA].filter((t) => storedB.has(t)).length;
  assert.ok(both >= 0.9 * Math.min(storedA.size, storedB.size), `${both} of ${storedA.size}/${storedB.size} stored traces have both spans`);
  assert.ok(a.tracer.stats().storeShare < 0.2);
  assert.ok(a.tracer.stats().notStored > 2500);
});

test('the HTTP export sends the provider\'s headers (envName from this sidecar\'s environment, unset: left out) and gives up after its timeout', async () => {
  const seen: IncomingHttpHeaders[] = [];
  let hang = false;
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => { if (!hang) res.writeHead(202).end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const tracer = new Tracer({ sendToControlPlane: () => Promise.resolve(), batch: { flushMs: 5 }, env: { OTEL_TOKEN: 'from-env' } });
  try {
    tracer.update(config({ exporters: [{ protocol: 'otlp-http', url, timeoutMs: 300, headers: [{ name: 'X-Token', value: 'abc' }, { name: 'x-env', envName: 'OTEL_TOKEN' }, { name: 'x-unset', envName: 'NOT_SET_ANYWHERE' }] }] }));
    pass(tracer, request({}));
    await waitFor(() => tracer.stats().exporters.find((e) => e.target.includes(url))?.exported === 1, 'the first batch exported');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!['x-token'], 'abc');
    assert.equal(seen[0]!['x-env'], 'from-env');
    assert.equal(seen[0]!['x-unset'], undefined);
    assert.match(seen[0]!['content-type'] ?? '', /^application\/json/);
    assert.ok(tracer.stats().exporters.every((e) => !e.target.includes('abc') && !e.target.includes('from-env')), 'header values (credentials) are not shown in stats');
    // A collector that never answers: the POST fails after the 300 ms timeout, not Weft's 5 s default.
    hang = true;
    const started = performance.now();
    pass(tracer, request({}));
    await waitFor(() => (tracer.stats().exporters.find((e) => e.target.includes(url))?.failed ?? 0) >= 1, 'the second batch failed');
    const took = performance.now() - started;
    assert.ok(took >= 250 && took < 3_000, `failed after ${took.toFixed(0)} ms`);
  } finally {
    await tracer.close(100);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('span batches over a real socket arrive intact while their buffers are reused, also to a collector that answers before it has read a body', { timeout: 60_000 }, async () => {
  // A keep-alive collector written on net (Node's own HTTP server closes a connection whose
  // request it answered unread): every other request is answered as soon as its head is in and its
  // body then read 300 ms later, so its tail is still in the sender's queue when the answer comes.
  const SPANS = 12_000;
  const bodies: string[] = [];
  let requests = 0;
  const server = net.createServer((sock) => {
    // Body bytes are kept as chunks and joined once per request (joining on every chunk of a 15 MB body is quadratic).
    let chunks: Buffer[] = [];
    let have = 0;
    let need = -1;
    let early = false;
    const reply = (): void => { sock.write('HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n'); };
    const pump = (): void => {
      for (;;) {
        if (need < 0) {
          const head = Buffer.concat(chunks);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          need = Number(/content-length: *(\d+)/i.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
          chunks = [head.subarray(end + 4)];
          have = chunks[0]!.length;
          early = requests++ % 2 === 0;
          if (early) {
            reply();
            sock.pause();
            setTimeout(() => sock.resume(), 300);
          }
        }
        if (have < need) return;
        const all = Buffer.concat(chunks);
        bodies.push(all.subarray(0, need).toString('utf8'));
        chunks = [all.subarray(need)];
        have = chunks[0]!.length;
        if (!early) reply();
        need = -1;
      }
    };
    sock.on('data', (c: Buffer) => { chunks.push(c); have += c.length; pump(); });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/spans`;
  const tracer = new Tracer({ sendToControlPlane: () => Promise.resolve(), batch: { flushMs: 5, batchSize: SPANS, maxQueue: 100_000, maxBatchBytes: 1 << 30, maxQueueBytes: 1 << 30 } });
  try {
    tracer.update(config({ exporters: [{ protocol: 'zipkin', url }] }));
    const paths: string[] = [];
    // Batches of SPANS spans (~15 MB, more than loopback's socket buffers hold), one after the other.
    const pad = 'p'.repeat(200);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < SPANS; i++) {
        const path = `/r${round}/${i}/${pad}`;
        paths.push(path);
        pass(tracer, request({ path }));
      }
      await waitFor(() => tracer.stats().exporters.find((e) => e.target.includes(url))?.exported === SPANS * (round + 1), `batch ${round} exported`);
    }
    await waitFor(() => bodies.length === 4, `four bodies read (${bodies.length} of ${requests} requests; sizes ${bodies.map((b) => b.length).join(', ')})`);
    const got = bodies.flatMap((b) => (JSON.parse(b) as { tags: Record<string, string> }[]).map((x) => x.tags['http.url']!.replace(/^http:\/\/[^/]+/, '')));
    assert.deepEqual(got.sort(), paths.sort(), 'every span once, none overwritten by a later batch');
  } finally {
    await tracer.close(100);
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('postOptions: literal and environment headers in order, lower-case names; the default timeout when none is set', () => {
  assert.deepEqual(postOptions({ protocol: 'zipkin', url: 'http://z:9411/api/v2/spans' }, {}), { headers: [], timeoutMs: 5_000 });
  assert.deepEqual(postOptions({ protocol: 'otlp-http', url: 'http://o:4318/v1/traces', timeoutMs: 1500, headers: [{ name: 'A', value: '1' }, { name: 'b', envName: 'B' }] }, { B: '2' }), { headers: [['a', '1'], ['b', '2']], timeoutMs: 1500 });
  assert.deepEqual(postOptions({ protocol: 'otlp-http', url: 'http://o:4318/v1/traces', headers: [{ name: 'b', envName: 'B' }] }, { B: 'x\r\ny: 1' }).headers, [], 'a variable Node would refuse as a header value is left out');
});

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  const until = performance.now() + 5_000;
  while (!ok()) {
    if (performance.now() > until) assert.fail(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('environment custom tags: the sidecar\'s variable, else its defaultValue, else no tag; read once per config', async () => {
  const env: NodeJS.ProcessEnv = { POD_REGION: 'eu-west' };
  const spans: SpanRecord[] = [];
  const clock = new VirtualClock(0);
  const tracer = new Tracer({ sendToControlPlane: (json) => { spans.push(...(JSON.parse(json.toString('utf8')) as SpanBatch).spans); return Promise.resolve(); }, clock, batch: { flushMs: 10 }, env });
  tracer.update(config({ customTags: [
    { tag: 'region', kind: 'environment', name: 'POD_REGION' },
    { tag: 'zone', kind: 'environment', name: 'POD_ZONE', defaultValue: 'unknown-zone' },
    { tag: 'rack', kind: 'environment', name: 'POD_RACK' },
  ] }));
  env['POD_REGION'] = 'changed-after-the-config';
  pass(tracer, request({}));
  await runFor(clock, 100);
  assert.equal(spans[0]!.tags['region'], 'eu-west');
  assert.equal(spans[0]!.tags['zone'], 'unknown-zone');
  assert.equal(spans[0]!.tags['rack'], undefined);
  const literal = { samplingPercent: 1, exporters: [], customTags: [{ tag: 'a', kind: 'literal' as const, value: 'x' }], maxPathTagLength: 256 };
  assert.equal(withEnvironmentTags(literal, {}), literal, 'a config without environment tags is used as it is');
});

test('collectors get batches of up to 2048 spans; the trace store never more than it takes per POST (SPAN_LIMITS.maxBatch)', async () => {
  const storeBatches: number[] = [];
  const collectorBatches: number[] = [];
  const clock = new VirtualClock(0);
  const tracer = new Tracer({
    sendToControlPlane: (json) => { storeBatches.push((JSON.parse(json.toString('utf8')) as SpanBatch).spans.length); return Promise.resolve(); },
    storeSpansPerSecond: 1e9,
    post: (_url, _type, body) => { collectorBatches.push((JSON.parse(body.toString('utf8')) as unknown[]).length); return Promise.resolve(); },
    clock,
  });
  tracer.update(config({ exporters: [{ protocol: 'zipkin', url: 'http://z:9411/api/v2/spans' }] }));
  for (let i = 0; i < 2100; i++) pass(tracer, request({}));
  await runFor(clock, 1000);
  await runFor(clock, 0);
  assert.deepEqual(collectorBatches, [2048, 52]);
  assert.deepEqual(storeBatches, [512, 512, 512, 512, 52]);
  await tracer.close(100);
});

test('Zipkin SERVER spans name the caller\'s IPv4 address as their remoteEndpoint, and no remoteEndpoint for a caller that has none, also when such callers alternate', async () => {
  const { tracer, posts, clock } = setup({ exporters: [{ protocol: 'zipkin', url: 'http://z:9411/api/v2/spans' }] });
  const callers = ['10.0.0.9', '::1', '::1', '10.0.0.9', '10.0.0.7', '', '10.0.0.7'];
  for (const remote of callers) {
    const r = request({ path: '/users/7', authority: 'user-service:8080' });
    pass(tracer, { ...r, info: newStreamInfo('inbound', remote) });
  }
  await runFor(clock, 100);
  const z = posts.flatMap((p) => JSON.parse(p.body) as { kind: string; remoteEndpoint?: unknown }[]);
  assert.deepEqual(z.map((s) => s.kind), callers.map(() => 'SERVER'));
  assert.deepEqual(z.map((s) => s.remoteEndpoint), callers.map((a) => (/^\d+\.\d+\.\d+\.\d+$/.test(a) ? { ipv4: a } : undefined)));
  await tracer.close();
});
