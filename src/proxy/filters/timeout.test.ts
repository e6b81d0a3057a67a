// The route timeout on virtual time: 504 UT at the configured instant, over retries and back-off,
// a late streaming body failed after the head, timers armed only when the request is complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { RetryPolicy, Route } from '../../model/proxy-config.ts';
import { Body, type BodySink } from '../http/body.ts';
import type { HttpResponse } from '../http/message.ts';
import { createRescue } from '../rescue.ts';
import { UpstreamTimeoutError } from '../errors.ts';
import { buildRoutePipeline } from './route-pipeline.ts';
import { newRouteCall } from './route-call.ts';
import { timeoutLayer } from './timeout.ts';
import { FakeUpstream, request, response, runFor, seededRandom, track, type Outcome, type UpstreamCall } from './test-fixtures.ts';

const rescue = createRescue(() => 'client.default', () => {});

function setup(extra: Partial<Route>, script: (n: number, call: UpstreamCall) => Outcome) {
  const clock = new VirtualClock(0);
  const up = new FakeUpstream(script);
  const r: Route = { name: 'reviews', match: [], action: { clusters: [{ cluster: 'c', weight: 1 }] }, ...extra };
  const run = buildRoutePipeline<string>(r, { clock, random: seededRandom(1), attempt: up.attempt, resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536 });
  return { clock, up, run };
}

const retries = (p: Partial<RetryPolicy> = {}): RetryPolicy => ({ maxRetries: 3, retryOn: ['5xx'], retriableStatusCodes: [], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true, ...p });

test('a request still unanswered at the route timeout gets 504 UT at that instant; the attempt is aborted', async () => {
  const { clock, up, run } = setup({ timeoutMs: 1_000 }, () => 'hang');
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 999);
  assert.equal(p.settled, false, 'not a millisecond early');
  await runFor(clock, 1);
  assert.equal(p.settled, true);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  const signal = up.calls[0]!.opts.signal!;
  assert.equal(signal.aborted, true, 'the upstream attempt was aborted (forward closes its connection)');
  assert.equal(signal.reason, p.error);
  const local = rescue(p.error, req.info);
  assert.equal(local.status, 504);
  assert.equal(req.info.responseFlags, 'UT');
  assert.equal(clock.pendingCount, 0);
});

test('an answer in time disarms the timer: nothing is left pending, the response is passed as it came', async () => {
  const res = response(200, 'fast');
  const { clock, run } = setup({ timeoutMs: 1_000 }, () => res);
  const p = track(run(request(), 'c'));
  await runFor(clock, 0);
  assert.equal(p.value, res, 'a complete response is not wrapped');
  assert.equal(clock.pendingCount, 0);
});

test('the route timeout bounds retries and back-off: 504 UT when it fires mid-way, never URX', async () => {
  const at: number[] = [];
  const { clock, up, run } = setup({ timeoutMs: 300, retry: retries({ maxRetries: 10, perTryTimeoutMs: 100 }) }, () => {
    at.push(clock.monotonic());
    return 'hang';
  });
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 299);
  assert.equal(p.settled, false);
  await runFor(clock, 1);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  assert.match((p.error as Error).message, /upstream request timeout after 300 ms/);
  assert.ok(up.calls.length >= 2 && up.calls.length <= 3, `attempts at ${at.join(', ')}`);
  assert.ok(up.calls.every((c) => c.opts.signal?.aborted === true));
  rescue(p.error, req.info);
  assert.equal(req.info.responseFlags, 'UT');
  await runFor(clock, 1_000);
  assert.equal(up.calls.length, at.length, 'no attempt starts after the timeout');
  assert.equal(clock.pendingCount, 0, 'the back-off wait was cancelled too');
});

test('a timeout during the back-off wait ends it at once', async () => {
  const { clock, up, run } = setup({ timeoutMs: 50, retry: retries({ backoffBaseMs: 1_000, backoffMaxMs: 10_000 }) }, () => response(503));
  const p = track(run(request(), 'c'));
  await runFor(clock, 50);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  assert.equal(up.calls.length, 1);
  assert.equal(clock.pendingCount, 0);
});

test('after the response head, a body still streaming at the timeout fails: flag UT, the upstream body cancelled', async () => {
  let cancelled = false;
  const upstreamBody = new Body(null, { pause: () => {}, resume: () => {}, cancel: () => { cancelled = true; } });
  const streaming: HttpResponse = { status: 200, headers: ['content-type', 'text/plain'], body: upstreamBody };
  const { clock, run } = setup({ timeoutMs: 500 }, () => streaming);
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 10);
  assert.equal(p.value?.status, 200, 'the head went through at once');
  const got: string[] = [];
  let failed: Error | null = null;
  const sink: BodySink = { write: (c) => { got.push(c.toString()); return true; }, end: () => {}, abort: (e) => { failed = e; } };
  p.value!.body.pipe(sink);
  upstreamBody.push(Buffer.from('partial'));
  await runFor(clock, 490);
  assert.deepEqual(got, ['partial']);
  assert.ok(failed as unknown instanceof UpstreamTimeoutError, 'the downstream body fails: the connection manager resets the connection');
  assert.equal(cancelled, true);
  assert.equal(req.info.responseFlags, 'UT');
  assert.equal(clock.pendingCount, 0);
});

test('a streaming body that ends in time disarms the timer', async () => {
  const upstreamBody = new Body(null, null);
  const { clock, run } = setup({ timeoutMs: 500 }, () => ({ status: 200, headers: [], body: upstreamBody }));
  const p = track(run(request(), 'c'));
  await runFor(clock, 10);
  const text = p.value!.body.collect();
  upstreamBody.push(Buffer.from('all of it'));
  upstreamBody.end();
  assert.equal((await text).toString(), 'all of it');
  assert.equal(clock.pendingCount, 0);
});

test('the clock starts when the downstream request is complete, not at its head (Envoy\'s onRequestComplete)', async () => {
  const upload = new Body(null, { pause: () => {}, resume: () => {} });
  const { clock, up, run } = setup({ timeoutMs: 100 }, () => 'hang');
  const p = track(run(request({ method: 'POST', body: upload }), 'c'));
  upload.push(Buffer.from('slow '));
  await runFor(clock, 1_000);
  assert.equal(p.settled, false, 'an upload in progress is not timed');
  assert.equal(clock.pendingCount, 0);
  upload.push(Buffer.from('upload'));
  upload.end();
  await runFor(clock, 99);
  assert.equal(p.settled, false);
  await runFor(clock, 1);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  assert.equal(await up.calls[0]!.sent.catch(() => 'failed'), 'slow upload');
});

test('a response after the timeout already answered is cancelled, not leaked', async () => {
  let resolveLate!: (r: HttpResponse) => void;
  const late = new Promise<HttpResponse>((r) => { resolveLate = r; });
  const clock = new VirtualClock(0);
  // An inner stage that ignores the abort signal: the timeout stage must not depend on it.
  const stage = timeoutLayer<string>({ timeoutMs: 10 }, clock)(() => late);
  const p = track(stage(newRouteCall(request(), 'c')));
  await runFor(clock, 10);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  let cancelled = false;
  resolveLate({ status: 200, headers: [], body: new Body(null, { pause: () => {}, resume: () => {}, cancel: () => { cancelled = true; } }) });
  await runFor(clock, 0);
  assert.equal(cancelled, true);
});
