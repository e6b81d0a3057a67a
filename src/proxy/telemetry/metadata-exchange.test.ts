// The metadata exchange layers: headers set, read and always stripped; a peer's claim kept only when its verified identity matches; one wrapped pipeline per config version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import { getHeader, newStreamInfo, type HttpRequest, type HttpResponse, type Service } from '../http/message.ts';
import { inboundExchange, memoLayer, outboundExchange, takeHeader } from './metadata-exchange.ts';
import { PEER_METADATA_HEADER, PeerMetadataCache, localMetadata } from './peer-metadata.ts';

const ORDER_ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const USER_ID = 'spiffe://cluster.local/ns/default/sa/user-service';
const order = localMetadata({ workload: 'o', namespace: 'default', service: 'order-service', labels: { app: 'order-service', version: 'v1' }, principal: ORDER_ID });
const user = localMetadata({ workload: 'u', namespace: 'default', service: 'user-service', labels: { app: 'user-service', version: 'v2' }, principal: USER_ID });
const userEndpoint: Endpoint = { address: '127.0.0.1', port: 1, identity: USER_ID, workload: 'u', labels: {} };

function request(direction: 'outbound' | 'inbound', headers: string[], peerIdentity = ''): HttpRequest {
  const info = newStreamInfo(direction, '127.0.0.1');
  info.peerIdentity = peerIdentity;
  return { method: 'GET', authority: 'user-service:8080', path: '/', scheme: 'http', headers, body: Body.empty(), info };
}

const answer = (headers: string[], seen?: (req: HttpRequest) => void): Service => (req) => {
  seen?.(req);
  req.info.upstreamEndpoint = userEndpoint;
  const res: HttpResponse = { status: 200, headers: [...headers], body: Body.empty() };
  return Promise.resolve(res);
};

test('takeHeader returns the first value and removes every copy', () => {
  const h = ['a', '1', 'x', '2', 'a', '3'];
  assert.equal(takeHeader(h, 'a'), '1');
  assert.deepEqual(h, ['x', '2']);
  assert.equal(takeHeader(h, 'a'), undefined);
});

test('outbound: the request carries our metadata (the app’s own value replaced); the callee’s is read and stripped', async () => {
  let sent: string[] = [];
  const svc = outboundExchange(order, new PeerMetadataCache())(answer([PEER_METADATA_HEADER, user.header, 'content-type', 'text/plain'], (r) => { sent = [...r.headers]; }));
  const req = request('outbound', [PEER_METADATA_HEADER, 'forged-by-app']);
  const res = await svc(req);
  assert.deepEqual(sent, [PEER_METADATA_HEADER, order.header]);
  assert.equal(getHeader(res.headers, PEER_METADATA_HEADER), undefined, 'never reaches the app');
  assert.equal(req.info.peerMetadata?.workload, 'user-service-v2');
});

test('outbound: metadata whose principal is not the endpoint’s verified identity is stripped and ignored', async () => {
  const impostor = localMetadata({ workload: 'evil', namespace: 'default', service: 'x', labels: {}, principal: ORDER_ID });
  const req = request('outbound', []);
  const res = await outboundExchange(order, new PeerMetadataCache())(answer([PEER_METADATA_HEADER, impostor.header]))(req);
  assert.equal(getHeader(res.headers, PEER_METADATA_HEADER), undefined);
  assert.equal(req.info.peerMetadata, null);
});

test('inbound: the caller’s metadata is stripped before the app; kept when the certificate matches, answered with ours', async () => {
  let appSaw: string[] = [];
  const svc = inboundExchange(user, new PeerMetadataCache())(answer([PEER_METADATA_HEADER, 'app-made'], (r) => { appSaw = [...r.headers]; }));
  const req = request('inbound', [PEER_METADATA_HEADER, order.header, 'accept', '*/*'], ORDER_ID);
  const res = await svc(req);
  assert.deepEqual(appSaw, ['accept', '*/*']);
  assert.equal(req.info.peerMetadata?.workload, 'order-service-v1');
  assert.equal(getHeader(res.headers, PEER_METADATA_HEADER), user.header);
});

test('inbound: a claim over plaintext or from another identity is stripped, ignored and not answered', async () => {
  for (const peerIdentity of ['', USER_ID]) {
    let appSaw: string[] = [];
    const req = request('inbound', [PEER_METADATA_HEADER, order.header], peerIdentity);
    const res = await inboundExchange(user, new PeerMetadataCache())(answer([PEER_METADATA_HEADER, 'app-made'], (r) => { appSaw = [...r.headers]; }))(req);
    assert.deepEqual(appSaw, []);
    assert.equal(req.info.peerMetadata, null);
    assert.equal(req.info.callerReports, true, 'the caller has a sidecar, which reports the request to the graph');
    assert.equal(getHeader(res.headers, PEER_METADATA_HEADER), undefined, 'nothing about this workload leaks, and the app cannot forge it');
  }
});

test('inbound: a request without a sidecar\'s metadata is the callee\'s to report (callerReports false)', async () => {
  const req = request('inbound', ['x-other', '1']);
  await inboundExchange(user, new PeerMetadataCache())(answer([]))(req);
  assert.equal(req.info.callerReports, false);
});

test('memoLayer wraps each pipeline once and rewraps when the pipeline changes', () => {
  let built = 0;
  const wrap = memoLayer((inner) => { built++; return inner; });
  const a: Service = answer([]);
  const b: Service = answer([]);
  assert.equal(wrap(a), a);
  wrap(a);
  assert.equal(built, 1);
  wrap(b);
  assert.equal(built, 2);
});

test('outbound: over plaintext (the mTLS check says no) the callee’s claim is stripped and ignored', async () => {
  const req = request('outbound', []);
  const res = await outboundExchange(order, new PeerMetadataCache(), () => false)(answer([PEER_METADATA_HEADER, user.header]))(req);
  assert.equal(getHeader(res.headers, PEER_METADATA_HEADER), undefined);
  assert.equal(req.info.peerMetadata, null);
});
