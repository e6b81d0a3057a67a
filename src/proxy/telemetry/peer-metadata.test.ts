// Peer metadata: Istio's workload naming and label defaults, the header's round trip, refusal of anything else, and the bounded cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLUSTER_NAME, PeerMetadataCache, decodePeerMetadata, localMetadata, workloadNameOf } from './peer-metadata.ts';

const ORDER = { workload: 'order-service-v1-x7kq', namespace: 'default', service: 'order-service', labels: { app: 'order-service', version: 'v1' }, principal: 'spiffe://cluster.local/ns/default/sa/order-service' };

test("the workload label reads like a deployment's name: <app>-<version>, else <app>, else the service", () => {
  assert.equal(workloadNameOf({ service: 'order-service', labels: { app: 'order-service', version: 'v1' } }), 'order-service-v1');
  assert.equal(workloadNameOf({ service: 'order-service', labels: { app: 'orders' } }), 'orders');
  assert.equal(workloadNameOf({ service: 'order-service', labels: {} }), 'order-service');
});

test("local metadata takes Istio's sources and defaults", () => {
  const m = localMetadata(ORDER);
  assert.equal(m.workload, 'order-service-v1');
  assert.equal(m.app, 'order-service');
  assert.equal(m.version, 'v1');
  assert.equal(m.canonicalService, 'order-service');
  assert.equal(m.canonicalRevision, 'v1');
  assert.equal(m.cluster, DEFAULT_CLUSTER_NAME);
  assert.equal(m.principal, ORDER.principal);
  const bare = localMetadata({ ...ORDER, labels: {} });
  assert.equal(bare.app, 'unknown');
  assert.equal(bare.version, 'unknown');
  assert.equal(bare.canonicalService, 'order-service');
  assert.equal(bare.canonicalRevision, 'latest');
  const canonical = localMetadata({ ...ORDER, labels: { ...ORDER.labels, 'service.istio.io/canonical-name': 'orders', 'service.istio.io/canonical-revision': 'r7' } });
  assert.equal(canonical.canonicalService, 'orders');
  assert.equal(canonical.canonicalRevision, 'r7');
});

test('the header is compact, printable, and decodes to the same metadata', () => {
  const m = localMetadata({ ...ORDER, labels: { app: 'a;b=c', version: 'v 1' } });
  assert.match(m.header, /^[\x21-\x7e]+$/);
  assert.ok(m.header.length < 200, m.header);
  assert.deepEqual(decodePeerMetadata(m.header), m);
});

test('anything not written by Weft decodes to null', () => {
  for (const bad of ['', 'x', 'w1;a;b', `w2${localMetadata(ORDER).header.slice(2)}`, 'w1;%E0%A4%A;b;c;d;e;f;g;h', 'w1;'.padEnd(3000, 'a')]) {
    assert.equal(decodePeerMetadata(bad), null, bad.slice(0, 40));
  }
});

test('the cache decodes each value once and stays bounded', () => {
  const cache = new PeerMetadataCache(2);
  const h = localMetadata(ORDER).header;
  const first = cache.get(h);
  assert.ok(first !== null);
  assert.equal(cache.get(h), first, 'the same object: no decode per request');
  assert.equal(cache.get('junk'), null);
  cache.get('junk2');
  // Over the bound the cache starts over rather than growing.
  assert.notEqual(cache.get(h), null);
});
