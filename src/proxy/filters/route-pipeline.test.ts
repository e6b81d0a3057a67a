// How a route's stages compose: Envoy's order, no stage where nothing is configured, the request
// body kept flowing when no attempt reads it, one mirror copy per request however many retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Route } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import { getHeader } from '../http/message.ts';
import { NoHealthyUpstreamError, UpstreamTimeoutError } from '../errors.ts';
import { buildRoutePipeline, isPlainRoute, stripConsumedEnvoyFields } from './route-pipeline.ts';
import { FakeUpstream, request, response, runFor, seededRandom, track, type Outcome, type UpstreamCall } from './test-fixtures.ts';

function setup(extra: Partial<Route>, script: (n: number, call: UpstreamCall) => Outcome) {
  const clock = new VirtualClock(0);
  const up = new FakeUpstream(script);
  const r: Route = { name: 'r', match: [], action: { clusters: [{ cluster: 'c', weight: 1 }] }, ...extra };
  const run = buildRoutePipeline<string>(r, { clock, random: seededRandom(9), attempt: up.attempt, resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536 });
  return { clock, up, run };
}

const RETRY = { maxRetries: 2, retryOn: ['5xx' as const], retriableStatusCodes: [], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true };

test('a route with none of the policies is plain: the router forwards it with no pipeline', () => {
  const base: Route = { name: 'r', match: [], action: { clusters: [{ cluster: 'c', weight: 1 }] } };
  assert.equal(isPlainRoute(base), true);
  assert.equal(isPlainRoute({ ...base, timeoutMs: 1_000 }), false);
  assert.equal(isPlainRoute({ ...base, retry: RETRY }), false);
  assert.equal(isPlainRoute({ ...base, fault: {} }), false);
  assert.equal(isPlainRoute({ ...base, mirrors: [] }), false);
});

test('Envoy\'s order: the fault delay comes before the route timeout and does not count against it', async () => {
  let at = -1;
  const { clock, run } = setup({ fault: { delay: { fixedDelayMs: 500, percent: 100 } }, timeoutMs: 300 }, () => {
    at = clock.monotonic();
    return new Promise((resolve) => { clock.setTimeout(() => resolve(response(200)), 200); });
  });
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 1_000);
  assert.equal(at, 500);
  assert.equal(p.value?.status, 200, '700 ms in all, but only 200 ms after the delay');
  assert.equal(req.info.responseFlags, 'DI');
});

test('a request answered without any attempt reading its body still has its body drained', async () => {
  let paused = false;
  const upload = new Body(null, { pause: () => { paused = true; }, resume: () => { paused = false; } });
  // forward() fails before it writes anything (no endpoint): it never reads the body.
  const clock = new VirtualClock(0);
  const r: Route = { name: 'r', match: [], action: { clusters: [{ cluster: 'c', weight: 1 }] }, retry: RETRY };
  const run = buildRoutePipeline<string>(r, { clock, random: seededRandom(1), attempt: () => Promise.reject(new NoHealthyUpstreamError('c')), resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536 });
  const p = track(run(request({ method: 'POST', body: upload }), 'c'));
  upload.push(Buffer.alloc(100 * 1024));
  assert.equal(paused, true, 'held, unread');
  await runFor(clock, 0);
  assert.ok(p.error instanceof NoHealthyUpstreamError);
  assert.equal(paused, false, 'drained: the connection manager can read the rest of the request');
  upload.push(Buffer.alloc(100 * 1024));
  assert.equal(paused, false);
});

test('a timeout while the attempt waits (e.g. queued for a connection) also drains the body', async () => {
  const upload = new Body(10, { pause: () => {}, resume: () => {} });
  const clock = new VirtualClock(0);
  const r: Route = { name: 'r', match: [], action: { clusters: [{ cluster: 'c', weight: 1 }] }, timeoutMs: 100 };
  const run = buildRoutePipeline<string>(r, {
    clock, random: seededRandom(1), resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536,
    // Queued: never reads the body; rejects when aborted, as the pool's queue does.
    attempt: (_t, _req, opts) => new Promise((_res, reject) => { opts.signal?.addEventListener('abort', () => reject(opts.signal!.reason)); }),
  });
  const req = request({ method: 'PUT', body: upload });
  const p = track(run(req, 'c'));
  upload.push(Buffer.from('0123456789'));
  upload.end();
  await runFor(clock, 100);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  assert.equal(upload.attached, true);
  assert.equal(clock.pendingCount, 0);
});

test('one mirror copy per request, however many retries the primary needs', async () => {
  const { clock, up, run } = setup({ retry: RETRY, mirrors: [{ cluster: 'mirror', percent: 100 }] }, (_n, c) => (c.target === 'mirror' ? response(200) : response(503)));
  const p = track(run(request(), 'c'));
  await runFor(clock, 1_000);
  assert.equal(p.value?.status, 503);
  assert.equal(up.calls.filter((c) => c.target === 'c').length, 3);
  const copies = up.calls.filter((c) => c.target === 'mirror');
  assert.equal(copies.length, 1);
  assert.equal(getHeader(copies[0]!.headers, 'x-envoy-attempt-count'), undefined, 'the copy\'s head was taken before the retry stage edited it');
});

test('consumed x-envoy-* fields are removed in place; others stay in order', () => {
  const h = ['host', 'a', 'x-envoy-retry-on', '5xx', 'x-envoy-original-path', '/p', 'x-envoy-upstream-rq-per-try-timeout-ms', '5', 'accept', '*/*'];
  stripConsumedEnvoyFields(h);
  assert.deepEqual(h, ['host', 'a', 'x-envoy-original-path', '/p', 'accept', '*/*']);
});

test('a timeout-only route forwards a bodiless request as is, with one timer that its answer disarms', async () => {
  const { clock, up, run } = setup({ timeoutMs: 5_000 }, () => response(204));
  const req = request({ headers: ['x-envoy-upstream-rq-timeout-ms', '1'] });
  const p = track(run(req, 'c'));
  assert.equal(clock.pendingCount, 1);
  await runFor(clock, 0);
  assert.equal(p.value?.status, 204);
  assert.equal(up.calls[0]!.req, req, 'the request object itself: no copy without a retry');
  assert.equal(getHeader(up.calls[0]!.headers, 'x-envoy-upstream-rq-timeout-ms'), undefined);
  assert.equal(getHeader(up.calls[0]!.headers, 'x-envoy-attempt-count'), undefined);
  assert.equal(clock.pendingCount, 0);
});
