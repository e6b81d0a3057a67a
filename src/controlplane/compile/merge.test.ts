// Tests of traffic policy precedence: destination, destination port level, subset, subset port level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrafficPolicy } from '../../api/kinds/destination-rule/types.ts';
import { clusterPolicy } from './merge.ts';

const rr: TrafficPolicy = { loadBalancer: { simple: 'ROUND_ROBIN' } };

test('no policy anywhere: every part undefined', () => {
  assert.deepEqual(clusterPolicy(undefined, undefined, 8080), {
    loadBalancer: undefined,
    connectionPool: undefined,
    outlierDetection: undefined,
    tls: undefined,
  });
});

test('destination-level parts apply to every port and subset that do not override them', () => {
  assert.deepEqual(clusterPolicy(rr, undefined, 8080).loadBalancer, { simple: 'ROUND_ROBIN' });
  assert.deepEqual(clusterPolicy(rr, { connectionPool: { tcp: { maxConnections: 1 } } }, 8080).loadBalancer, { simple: 'ROUND_ROBIN' });
});

test('subset-level parts override destination-level ones, part by part', () => {
  const p = clusterPolicy(
    { loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 5 } },
    { loadBalancer: { simple: 'RANDOM' } },
    8080,
  );
  assert.deepEqual(p.loadBalancer, { simple: 'RANDOM' });
  assert.deepEqual(p.outlierDetection, { consecutive5xxErrors: 5 });
});

test('destination portLevelSettings for the port replace the destination level, and do not inherit', () => {
  const dest: TrafficPolicy = {
    loadBalancer: { simple: 'ROUND_ROBIN' },
    outlierDetection: { consecutive5xxErrors: 5 },
    portLevelSettings: [
      { port: { number: 9090 }, loadBalancer: { simple: 'RANDOM' } },
      { port: { number: 7070 }, connectionPool: { tcp: { maxConnections: 3 } } },
    ],
  };
  assert.deepEqual(clusterPolicy(dest, undefined, 9090).loadBalancer, { simple: 'RANDOM' });
  assert.equal(clusterPolicy(dest, undefined, 9090).outlierDetection, undefined);
  // A port-level entry without loadBalancer resets it to the default instead of inheriting ROUND_ROBIN.
  assert.equal(clusterPolicy(dest, undefined, 7070).loadBalancer, undefined);
  assert.deepEqual(clusterPolicy(dest, undefined, 8080).loadBalancer, { simple: 'ROUND_ROBIN' });
});

test("a subset's own fields override the destination's port-level settings (Istio's order)", () => {
  const dest: TrafficPolicy = { portLevelSettings: [{ port: { number: 9090 }, loadBalancer: { simple: 'RANDOM' } }] };
  assert.deepEqual(clusterPolicy(dest, rr, 9090).loadBalancer, { simple: 'ROUND_ROBIN' });
  assert.deepEqual(clusterPolicy(dest, { tls: { mode: 'ISTIO_MUTUAL' } }, 9090).loadBalancer, { simple: 'RANDOM' });
});

test("a subset's portLevelSettings for the port win over everything", () => {
  const subset: TrafficPolicy = {
    loadBalancer: { simple: 'ROUND_ROBIN' },
    portLevelSettings: [{ port: { number: 9090 }, loadBalancer: { simple: 'LEAST_REQUEST' } }],
  };
  const dest: TrafficPolicy = { loadBalancer: { simple: 'RANDOM' }, portLevelSettings: [{ port: { number: 9090 }, loadBalancer: { simple: 'RANDOM' } }] };
  assert.deepEqual(clusterPolicy(dest, subset, 9090).loadBalancer, { simple: 'LEAST_REQUEST' });
  assert.deepEqual(clusterPolicy(dest, subset, 8080).loadBalancer, { simple: 'ROUND_ROBIN' });
});
