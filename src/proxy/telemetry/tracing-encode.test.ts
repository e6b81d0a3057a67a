// Tests of the string-built span encodings: byte for byte what JSON.stringify of the former object trees gave (a copy of those encoders is the oracle), for lean spans and for tag objects, with custom tags that shadow the tracer's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import type { ProxyConfig, TracingConfig } from '../../model/proxy-config.ts';
import type { SpanBatch, SpanRecord } from '../../model/trace.ts';
import { newStreamInfo, type HttpRequest } from '../http/message.ts';
import { request, runFor } from '../filters/test-fixtures.ts';
import { encodeOtlp, encodeZipkin, upstreamService } from './tracing-encode.ts';
import { Tracer } from './tracing.ts';

const node = { id: 'order-service-v1.default', workload: 'order-service-v1', namespace: 'default', service: 'order-service', serviceAccount: 'order-service', labels: { app: 'order-service', version: 'v1', 'service.istio.io/canonical-name': 'ord"er\u2028' } };

// The oracle: the encoders as they were before they became string builders.
const attribute = (key: string, value: string): { key: string; value: { stringValue: string } } => ({ key, value: { stringValue: value } });
const nanos = (us: number): string => `${Math.round(us)}000`;
function oldOtlp(spans: readonly SpanRecord[], scopeVersion: string): string {
  const byService = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    const list = byService.get(s.service);
    if (list === undefined) byService.set(s.service, [s]);
    else list.push(s);
  }
  const resourceSpans = [...byService].map(([service, list]) => ({
    resource: { attributes: [attribute('service.name', service), attribute('telemetry.sdk.name', 'weft')] },
    scopeSpans: [{
      scope: { name: 'weft-proxy', version: scopeVersion },
      spans: list.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
        name: s.name,
        kind: s.kind === 'SERVER' ? 2 : 3,
        startTimeUnixNano: nanos(s.startUs),
        endTimeUnixNano: nanos(s.startUs + s.durationUs),
        attributes: [attribute('node_id', s.node), ...Object.entries(s.tags).map(([k, v]) => attribute(k, v))],
        status: { code: s.error ? 2 : 0 },
      })),
    }],
  }));
  return JSON.stringify({ resourceSpans });
}
function oldZipkin(spans: readonly SpanRecord[]): string {
  return JSON.stringify(spans.map((s) => {
    const peer = s.tags['peer.address'];
    const remote = s.kind === 'CLIENT' ? upstreamService(s.tags['upstream_cluster']) : undefined;
    return {
      traceId: s.traceId,
      id: s.spanId,
      ...(s.parentSpanId === undefined ? {} : { parentId: s.parentSpanId }),
      kind: s.kind,
      name: s.name,
      timestamp: Math.round(s.startUs),
      duration: Math.max(1, Math.round(s.durationUs)),
      localEndpoint: { serviceName: s.service },
      ...(remote !== undefined ? { remoteEndpoint: { serviceName: remote } } : s.kind === 'SERVER' && peer !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(peer) ? { remoteEndpoint: { ipv4: peer } } : {}),
      tags: { ...s.tags, node_id: s.node, ...(s.error ? { error: 'true' } : {}) },
    };
  }));
}

interface Sent { cp: string[]; otlp: string[]; zipkin: string[] }

/** A tracer at 100 % with both collectors, the given custom tags, and every body it sent. */
function setup(customTags: TracingConfig['customTags']): { tracer: Tracer; sent: Sent; clock: VirtualClock } {
  const sent: Sent = { cp: [], otlp: [], zipkin: [] };
  const clock = new VirtualClock(0);
  const tracer = new Tracer({
    sendToControlPlane: (body) => { sent.cp.push(body); return Promise.resolve(); },
    post: (url, _type, body) => { (url.includes('9411') ? sent.zipkin : sent.otlp).push(body); return Promise.resolve(); },
    clock,
    batch: { flushMs: 10 },
    version: '1.2"3',
  });
  const cfg: Pick<ProxyConfig, 'node' | 'telemetry'> = { node, telemetry: { tracing: { samplingPercent: 100, customTags, maxPathTagLength: 256, exporters: [{ protocol: 'otlp-http', url: 'http://c:4318/v1/traces' }, { protocol: 'zipkin', url: 'http://z:9411/api/v2/spans' }] } } };
  tracer.update(cfg);
  return { tracer, sent, clock };
}

/** A mix of requests: both directions, roots and children, errors, odd characters, with and without the optional tags. */
function traffic(tracer: Tracer): void {
  const reqs: [HttpRequest, number][] = [];
  reqs.push([request({ path: '/a?b=1', headers: ['user-agent', 'curl/8 "q" \u00e9\ud83d\ude00', 'x-user', 'u\\1'] }), 200]);
  reqs.push([request({ method: 'POST', path: '/p\u0001', headers: ['traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`] }), 503]);
  const inb = request({ path: '/in', headers: ['x-b3-traceid', 'c'.repeat(32), 'x-b3-spanid', 'd'.repeat(16), 'x-b3-sampled', '1'] });
  const inInfo = Object.assign(newStreamInfo('inbound', '10.1.2.3'), { requestId: 'rid"', routeName: 'inbound|8080||', peerIdentity: 'spiffe://cluster.local/ns/default/sa/x', upstreamHost: '127.0.0.1:8080' });
  reqs.push([{ ...inb, info: inInfo }, 0]);
  const v6 = request({ path: '/v6' });
  reqs.push([{ ...v6, info: Object.assign(newStreamInfo('inbound', '::1'), { responseFlags: 'UH' }) }, 200]);
  for (const [req, status] of reqs) {
    tracer.start(req);
    req.info.responseCode = status;
    if (req.info.direction === 'outbound') req.info.upstreamCluster = 'outbound|8080|v2|user-service.default.svc.cluster.local';
    tracer.end({ request: req, info: req.info, protocol: 'HTTP/1.1', bytesSent: 42, responseHeaders: [] });
  }
}

async function check(customTags: TracingConfig['customTags']): Promise<SpanRecord[]> {
  const { tracer, sent, clock } = setup(customTags);
  traffic(tracer);
  await runFor(clock, 100);
  assert.equal(sent.cp.length, 1);
  const records = (JSON.parse(sent.cp[0]!) as SpanBatch).spans;
  assert.equal(records.length, 4);
  // The control plane's batch is what JSON.stringify writes (no repeated keys, keys in the order an object keeps).
  assert.equal(sent.cp[0], JSON.stringify({ spans: records }));
  assert.deepEqual(sent.otlp, [oldOtlp(records, '1.2"3')]);
  assert.deepEqual(sent.zipkin, [oldZipkin(records)]);
  // The encoders of SpanRecords (the generic path) agree as well.
  assert.equal(encodeOtlp(records, '1.2"3'), oldOtlp(records, '1.2"3'));
  assert.equal(encodeZipkin(records), oldZipkin(records));
  await tracer.close();
  return records;
}

test('without custom tags every encoding is byte for byte the former JSON.stringify output', async () => {
  const records = await check([]);
  assert.equal(records[0]!.tags['user_agent'], 'curl/8 "q" \u00e9\ud83d\ude00');
  assert.equal(records[0]!.tags['istio.canonical_service'], 'ord"er\u2028');
  assert.equal(records[1]!.tags['error'], 'true');
  assert.equal(records[2]!.tags['peer.identity'], 'spiffe://cluster.local/ns/default/sa/x');
  assert.equal(records[2]!.parentSpanId, 'd'.repeat(16));
  assert.equal(records[0]!.parentSpanId, undefined);
});

test('custom tags with keys of their own are spliced after the tracer\'s, in config order', async () => {
  const records = await check([{ tag: 'team', kind: 'literal', value: 'or"ders' }, { tag: 'user', kind: 'header', header: 'x-user', defaultValue: 'anon' }, { tag: 'none', kind: 'header', header: 'x-none' }]);
  const keys = Object.keys(records[1]!.tags);
  assert.deepEqual(keys.slice(-3), ['team', 'user', 'error']);
  assert.equal(records[0]!.tags['user'], 'u\\1');
  assert.equal(records[0]!.tags['none'], undefined);
});

test('custom tags that shadow the tracer\'s keys, repeat, or are array indexes keep the object semantics they always had', async () => {
  const records = await check([
    { tag: 'http.method', kind: 'literal', value: 'custom' },
    { tag: 'error', kind: 'literal', value: 'maybe' },
    { tag: 'team', kind: 'literal', value: 'a' },
    { tag: 'team', kind: 'literal', value: 'b' },
    { tag: '7', kind: 'literal', value: 'seven' },
    { tag: 'node_id', kind: 'literal', value: 'other' },
  ]);
  const ok = records[0]!.tags;
  assert.equal(Object.keys(ok)[0], '7', 'an array index comes first, as in any object');
  assert.equal(ok['http.method'], 'custom');
  assert.equal(ok['error'], 'maybe', 'a custom error tag stays when the request did not fail');
  assert.equal(ok['team'], 'b');
  assert.equal(ok['node_id'], 'other');
  assert.equal(records[1]!.tags['error'], 'true', 'a failed request says so whatever the custom tag');
});
