// Tests of mirror conversion: mirror with mirrorPercentage / mirrorPercent, mirrors[], defaults, 0 %, cluster naming.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPRoute } from '../../../api/kinds/virtual-service/types.ts';
import { clusterName } from '../cluster-key.ts';
import { indexServices } from '../services.ts';
import { service } from '../test-fixtures.ts';
import { convertMirrors } from './mirror.ts';

const services = indexServices([service('reviews', [9080]), service('web', [80, 8080]), service('audit', [7000], 'ops')]);
const ROUTE = [{ destination: { host: 'reviews' } }];
const mirrors = (http: Omit<HTTPRoute, 'route'>, port = 9080) =>
  convertMirrors({ route: ROUTE, ...http }, 'default', port, services).map((m) => `${clusterName(m.key)} ${m.percent}`);

test('a mirror without a percentage mirrors every request', () => {
  assert.deepEqual(mirrors({ mirror: { host: 'reviews', subset: 'v2' } }), ['outbound|9080|v2|reviews.default.svc.cluster.local 100']);
});

test('mirrorPercentage, or the older mirrorPercent, sets the share; an explicit 0 turns the mirror off', () => {
  assert.deepEqual(mirrors({ mirror: { host: 'reviews' }, mirrorPercentage: { value: 12.5 } }), ['outbound|9080||reviews.default.svc.cluster.local 12.5']);
  assert.deepEqual(mirrors({ mirror: { host: 'reviews' }, mirrorPercent: 30 }), ['outbound|9080||reviews.default.svc.cluster.local 30']);
  assert.deepEqual(mirrors({ mirror: { host: 'reviews' }, mirrorPercentage: { value: 0 } }), []);
  assert.deepEqual(mirrors({ mirror: { host: 'reviews' }, mirrorPercent: 0 }), []);
});

test('mirrors[] keep their order, each with its own share (default 100, 0 = off)', () => {
  assert.deepEqual(mirrors({
    mirrors: [
      { destination: { host: 'audit.ops' }, percentage: { value: 5 } },
      { destination: { host: 'reviews', subset: 'v3' } },
      { destination: { host: 'web' }, percentage: { value: 0 } },
    ],
  }), ['outbound|7000||audit.ops.svc.cluster.local 5', 'outbound|9080|v3|reviews.default.svc.cluster.local 100']);
});

test('mirror destinations resolve like route destinations: port of the request, the only port, an explicit one, unknown hosts kept', () => {
  assert.deepEqual(mirrors({ mirror: { host: 'web' } }, 8080), ['outbound|8080||web.default.svc.cluster.local 100']);
  assert.deepEqual(mirrors({ mirror: { host: 'web', port: { number: 80 } } }, 8080), ['outbound|80||web.default.svc.cluster.local 100']);
  assert.deepEqual(mirrors({ mirror: { host: 'ghost' } }), ['outbound|9080||ghost.default.svc.cluster.local 100']);
  assert.deepEqual(mirrors({}), []);
});
