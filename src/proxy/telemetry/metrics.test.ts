// Istio's standard metrics: the 25 labels and their values from both reporters (with and without the metadata exchange), interning, histograms, bounds, and a parseable exposition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSamples, type Sample } from '../../lib/prometheus-text.ts';
import type { Endpoint } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { newStreamInfo, type StreamInfo } from '../http/message.ts';
import { ISTIO_LABELS, IstioMetrics, destinationServiceOf, splitService } from './metrics.ts';
import { localMetadata, type PeerMetadata } from './peer-metadata.ts';

const ORDER_ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const USER_ID = 'spiffe://cluster.local/ns/default/sa/user-service';
const order = localMetadata({ workload: 'order-service-v1-x7kq', namespace: 'default', service: 'order-service', labels: { app: 'order-service', version: 'v1' }, principal: ORDER_ID });
const user = localMetadata({ workload: 'user-service-v2-b4rt', namespace: 'default', service: 'user-service', labels: { app: 'user-service', version: 'v2' }, principal: USER_ID });
const USER_V2_CLUSTER = 'outbound|8080|v2|user-service.default.svc.cluster.local';
const userEndpoint: Endpoint = { address: '127.0.0.1', port: 15006, identity: USER_ID, workload: 'user-service-v2-b4rt', labels: { app: 'user-service', version: 'v2' } };

interface Rec {
  readonly direction: 'outbound' | 'inbound';
  readonly code?: number;
  readonly flags?: string;
  readonly cluster?: string;
  readonly authority?: string;
  readonly peer?: PeerMetadata | null;
  readonly peerIdentity?: string;
  readonly endpoint?: Endpoint | null;
  readonly ms?: number;
  readonly body?: string;
  readonly sent?: number;
  readonly headers?: string[];
  readonly responseHeaders?: string[];
}

function rec(r: Rec): StreamRecord {
  const info: StreamInfo = { ...newStreamInfo(r.direction, '127.0.0.1'), startMono: performance.now() - (r.ms ?? 1) };
  info.responseCode = r.code ?? 200;
  info.responseFlags = r.flags ?? '';
  info.upstreamCluster = r.cluster ?? '';
  info.peerMetadata = r.peer ?? null;
  info.peerIdentity = r.peerIdentity ?? '';
  info.upstreamEndpoint = r.endpoint ?? null;
  const request = { method: 'GET', authority: r.authority ?? 'user-service:8080', path: '/users/1', scheme: 'http', headers: r.headers ?? [], body: r.body === undefined ? Body.empty() : Body.of(r.body), info };
  return { request, info, protocol: 'HTTP/1.1', bytesSent: r.sent ?? 0, responseHeaders: r.responseHeaders ?? [] };
}

const find = (samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));

function only(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): Sample {
  const found = find(samples, name, where);
  assert.equal(found.length, 1, `${name} ${JSON.stringify(where)}: ${JSON.stringify(found)}`);
  return found[0]!;
}

test('source side, order-service v1 → user-service v2 over mTLS with metadata: every label with Istio’s value', () => {
  const m = new IstioMetrics(order, 'order-service');
  m.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, peer: user, endpoint: userEndpoint, body: 'abc', sent: 42 }));
  const s = only(parseSamples(m.scrape()), 'istio_requests_total');
  assert.deepEqual(Object.keys(s.labels), [...ISTIO_LABELS]);
  assert.deepEqual(s.labels, {
    reporter: 'source',
    source_workload: 'order-service-v1', source_workload_namespace: 'default', source_principal: ORDER_ID,
    source_app: 'order-service', source_version: 'v1', source_canonical_service: 'order-service', source_canonical_revision: 'v1', source_cluster: 'Kubernetes',
    destination_workload: 'user-service-v2', destination_workload_namespace: 'default', destination_principal: USER_ID,
    destination_app: 'user-service', destination_version: 'v2',
    destination_service: 'user-service.default.svc.cluster.local', destination_service_name: 'user-service', destination_service_namespace: 'default',
    destination_canonical_service: 'user-service', destination_canonical_revision: 'v2', destination_cluster: 'Kubernetes',
    request_protocol: 'http', response_flags: '-', connection_security_policy: 'unknown', response_code: '200', grpc_response_status: '',
  });
  assert.equal(s.value, 1);
});

test('source side without metadata back: the chosen endpoint’s labels; no endpoint (NR): the Host, and unknown', () => {
  const m = new IstioMetrics(order, 'order-service');
  m.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, endpoint: userEndpoint, code: 503, flags: 'UF' }));
  m.record(rec({ direction: 'outbound', authority: 'nowhere.example:8080', code: 404, flags: 'NR' }));
  const samples = parseSamples(m.scrape());
  const uf = only(samples, 'istio_requests_total', { response_flags: 'UF' }).labels;
  assert.equal(uf.destination_workload, 'user-service-v2');
  assert.equal(uf.destination_version, 'v2');
  assert.equal(uf.destination_principal, USER_ID);
  assert.equal(uf.response_code, '503');
  const nr = only(samples, 'istio_requests_total', { response_flags: 'NR' }).labels;
  assert.equal(nr.destination_service, 'nowhere.example');
  assert.equal(nr.destination_service_name, 'nowhere.example');
  assert.equal(nr.destination_service_namespace, 'unknown');
  assert.equal(nr.destination_workload, 'unknown');
  assert.equal(nr.destination_principal, 'unknown');
  assert.equal(nr.response_code, '404');
});

test('destination side: the caller from verified metadata, mutual_tls; a plaintext caller is unknown and none', () => {
  const m = new IstioMetrics(user, 'user-service');
  m.record(rec({ direction: 'inbound', peer: order, peerIdentity: ORDER_ID, code: 500 }));
  m.record(rec({ direction: 'inbound', peerIdentity: ORDER_ID }));
  m.record(rec({ direction: 'inbound' }));
  const samples = parseSamples(m.scrape());
  const known = only(samples, 'istio_requests_total', { response_code: '500' }).labels;
  assert.deepEqual(known, {
    reporter: 'destination',
    source_workload: 'order-service-v1', source_workload_namespace: 'default', source_principal: ORDER_ID,
    source_app: 'order-service', source_version: 'v1', source_canonical_service: 'order-service', source_canonical_revision: 'v1', source_cluster: 'Kubernetes',
    destination_workload: 'user-service-v2', destination_workload_namespace: 'default', destination_principal: USER_ID,
    destination_app: 'user-service', destination_version: 'v2',
    destination_service: 'user-service.default.svc.cluster.local', destination_service_name: 'user-service', destination_service_namespace: 'default',
    destination_canonical_service: 'user-service', destination_canonical_revision: 'v2', destination_cluster: 'Kubernetes',
    request_protocol: 'http', response_flags: '-', connection_security_policy: 'mutual_tls', response_code: '500', grpc_response_status: '',
  });
  const noMeta = only(samples, 'istio_requests_total', { response_code: '200', connection_security_policy: 'mutual_tls' }).labels;
  assert.equal(noMeta.source_principal, ORDER_ID, 'the certificate still names the caller');
  assert.equal(noMeta.source_workload, 'unknown');
  const plain = only(samples, 'istio_requests_total', { connection_security_policy: 'none' }).labels;
  assert.equal(plain.source_principal, 'unknown');
  assert.equal(plain.source_app, 'unknown');
});

test('one series per label set however many requests; histograms bucket by Istio’s bounds and agree with the counter', () => {
  const m = new IstioMetrics(order, 'order-service');
  for (let i = 0; i < 1000; i++) m.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, peer: user, endpoint: userEndpoint, ms: i < 900 ? 30 : 300, body: 'x'.repeat(700), sent: 3 }));
  assert.equal(m.series, 1);
  const samples = parseSamples(m.scrape());
  assert.equal(only(samples, 'istio_requests_total').value, 1000);
  // 30 ms is in (25, 50]; 300 ms in (250, 500].
  assert.equal(only(samples, 'istio_request_duration_milliseconds_bucket', { le: '25' }).value, 0);
  assert.equal(only(samples, 'istio_request_duration_milliseconds_bucket', { le: '50' }).value, 900);
  assert.equal(only(samples, 'istio_request_duration_milliseconds_bucket', { le: '250' }).value, 900);
  assert.equal(only(samples, 'istio_request_duration_milliseconds_bucket', { le: '500' }).value, 1000);
  assert.equal(only(samples, 'istio_request_duration_milliseconds_bucket', { le: '+Inf' }).value, 1000);
  assert.equal(only(samples, 'istio_request_duration_milliseconds_count').value, 1000);
  assert.ok(Math.abs(only(samples, 'istio_request_duration_milliseconds_sum').value - (900 * 30 + 100 * 300)) < 50);
  assert.equal(only(samples, 'istio_request_bytes_bucket', { le: '500' }).value, 0);
  assert.equal(only(samples, 'istio_request_bytes_bucket', { le: '1000' }).value, 1000);
  assert.equal(only(samples, 'istio_request_bytes_sum').value, 700_000);
  assert.equal(only(samples, 'istio_response_bytes_bucket', { le: '5' }).value, 1000);
  assert.equal(only(samples, 'istio_response_bytes_sum').value, 3000);
});

test('gRPC requests are request_protocol grpc with the grpc-status of the response', () => {
  const m = new IstioMetrics(user, 'user-service');
  m.record(rec({ direction: 'inbound', peer: order, peerIdentity: ORDER_ID, headers: ['content-type', 'application/grpc+proto'], responseHeaders: ['grpc-status', '14'] }));
  const s = only(parseSamples(m.scrape()), 'istio_requests_total').labels;
  assert.equal(s.request_protocol, 'grpc');
  assert.equal(s.grpc_response_status, '14');
});

test('metrics off records nothing; past the series bound new sets are dropped and counted', () => {
  const off = new IstioMetrics(order, 'order-service');
  off.enabled = false;
  off.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER }));
  assert.equal(find(parseSamples(off.scrape()), 'istio_requests_total').length, 0);
  const small = new IstioMetrics(order, 'order-service', { maxSeries: 2 });
  for (const code of [200, 201, 202, 203]) small.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, code }));
  const samples = parseSamples(small.scrape());
  assert.equal(find(samples, 'istio_requests_total').length, 2);
  assert.equal(only(samples, 'weft_metrics_dropped_total').value, 2);
});

test('TCP series carry the labels without the HTTP-only ones and count what they are told', () => {
  const m = new IstioMetrics(user, 'user-service');
  const c = m.tcp({ direction: 'inbound', destinationService: '', peer: order, peerIdentity: ORDER_ID, endpoint: null });
  assert.ok(c !== null);
  c.opened++;
  c.received += 10;
  c.sent += 20;
  c.closed++;
  assert.equal(m.tcp({ direction: 'inbound', destinationService: '', peer: order, peerIdentity: ORDER_ID, endpoint: null }), c);
  const samples = parseSamples(m.scrape());
  const opened = only(samples, 'istio_tcp_connections_opened_total');
  assert.equal(opened.value, 1);
  assert.equal(opened.labels.source_workload, 'order-service-v1');
  assert.equal(opened.labels.connection_security_policy, 'mutual_tls');
  assert.equal(opened.labels.response_code, undefined);
  assert.equal(only(samples, 'istio_tcp_sent_bytes_total').value, 20);
  assert.equal(only(samples, 'istio_tcp_received_bytes_total').value, 10);
  assert.equal(only(samples, 'istio_tcp_connections_closed_total').value, 1);
});

test('the exposition: every family has HELP and TYPE before its samples, and istio_build names the proxy', () => {
  const m = new IstioMetrics(order, 'order-service', { tag: '0.1.0' });
  m.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, peer: user, endpoint: userEndpoint }));
  const text = m.scrape();
  const typed = new Set([...text.matchAll(/^# TYPE (\S+) (counter|gauge|histogram)$/gm)].map((x) => x[1]));
  for (const s of parseSamples(text)) {
    const family = s.name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(typed.has(s.name) || typed.has(family), `no TYPE for ${s.name}`);
  }
  assert.equal(only(parseSamples(text), 'istio_build').labels.tag, '0.1.0');
});

test('destination service from the cluster name, or the authority without its port', () => {
  assert.equal(destinationServiceOf(USER_V2_CLUSTER, 'x'), 'user-service.default.svc.cluster.local');
  assert.equal(destinationServiceOf('', 'user-service:8080'), 'user-service');
  assert.equal(destinationServiceOf('', '[::1]'), '[::1]');
  assert.deepEqual(splitService('reviews.shop.svc.cluster.local'), { name: 'reviews', namespace: 'shop' });
  assert.deepEqual(splitService('api.example.com'), { name: 'api.example.com', namespace: 'unknown' });
});

test('a new config version’s endpoint objects with the same labels add to the same series, never a duplicate', () => {
  const m = new IstioMetrics(order, 'order-service');
  m.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, endpoint: userEndpoint }));
  m.record(rec({ direction: 'outbound', cluster: USER_V2_CLUSTER, endpoint: { ...userEndpoint } }));
  assert.equal(m.series, 1);
  assert.equal(only(parseSamples(m.scrape()), 'istio_requests_total').value, 2);
});
