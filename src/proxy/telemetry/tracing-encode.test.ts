// Tests of the span encoders' kept text: spans whose leading tags change from one to the next (more kinds than are kept, in changing order) each come out with their own tags, in all three formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeInfo } from '../../model/proxy-config.ts';
import { CONTROL_PLANE_FORMAT, ZIPKIN_FORMAT, encodeBatch, otlpFormat } from './tracing-encode.ts';
import { FinishedSpan, SpanOrigin } from './tracing-span.ts';

const origin = new SpanOrigin({ id: 'a-1.default', service: 'a', namespace: 'default', labels: { app: 'a', version: 'v1' } } as unknown as NodeInfo, 'cluster.local');

/** A span like Tracer.#record makes, its leading tags varied by `kind` (status, URL) and its own by `i`. */
function span(i: number, kind: number): FinishedSpan {
  const tags = [
    'http.method', kind % 2 === 0 ? 'GET' : 'POST',
    'http.protocol', 'HTTP/1.1',
    'http.status_code', String(200 + kind),
    'response_flags', '-',
    'request_size', '0',
    'response_size', `${kind}`,
    'http.url', `http://b:8080/k${kind}`,
    'upstream_cluster', 'outbound|8080||b.default.svc.cluster.local',
    'upstream_cluster.name', 'outbound|8080||b.default.svc.cluster.local',
    'peer.address', `127.0.0.1:${40000 + i}`,
    'guid:x-request-id', `req-${i}`,
  ];
  return new FinishedSpan(origin, 'ab'.repeat(16), (i + 1).toString(16).padStart(16, '0'), '', `GET /k${kind}`, 'CLIENT', 1_764_193_855_000_000 + i, 10, false, tags, 9);
}

const expected = (s: FinishedSpan): Record<string, string> => {
  const t: Record<string, string> = {};
  for (const list of [origin.tags, s.tags]) for (let i = 0; i < list.length; i += 2) t[list[i]!] = list[i + 1]!;
  return t;
};

test('leading tags that change from span to span, over more kinds than are kept, come out as each span has them', () => {
  // 12 kinds (more than the 8 kept), visited in an order that revisits some and evicts others.
  const order = [0, 1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 11, 5, 5, 6, 2];
  const spans = order.map((kind, i) => span(i, kind));
  const zipkin = JSON.parse(encodeBatch(ZIPKIN_FORMAT, spans)) as { tags: Record<string, string> }[];
  const cp = JSON.parse(encodeBatch(CONTROL_PLANE_FORMAT, spans)) as { spans: { tags: Record<string, string> }[] };
  const otlp = JSON.parse(encodeBatch(otlpFormat('1'), spans)) as { resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[] };
  const otlpSpans = otlp.resourceSpans[0]!.scopeSpans[0]!.spans;
  spans.forEach((s, i) => {
    const want = expected(s);
    assert.deepEqual(zipkin[i]!.tags, want, `zipkin span ${i}`);
    assert.deepEqual(cp.spans[i]!.tags, want, `control plane span ${i}`);
    assert.deepEqual(Object.fromEntries(otlpSpans[i]!.attributes.map((a) => [a.key, a.value.stringValue])), want, `otlp span ${i}`);
  });
});
