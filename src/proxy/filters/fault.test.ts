// The fault stage on virtual time: delays flagged DI, aborts flagged FI and never retried, shares
// over many seeded draws, gRPC aborts, and no stage at all when nothing is injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { FaultPolicy, Route } from '../../model/proxy-config.ts';
import { getHeader } from '../http/message.ts';
import { createRescue } from '../rescue.ts';
import { FaultAbortError } from '../errors.ts';
import { drawPercent, faultLayer, grpcStatusCode } from './fault.ts';
import { buildRoutePipeline } from './route-pipeline.ts';
import { newRouteCall } from './route-call.ts';
import { FakeUpstream, request, response, runFor, seededRandom, track } from './test-fixtures.ts';

const rescue = createRescue(() => 'client.default', () => {});

function setup(fault: FaultPolicy, extra: Partial<Route> = {}, random = seededRandom(11)) {
  const clock = new VirtualClock(0);
  const up = new FakeUpstream(() => response(200, 'ok'));
  const r: Route = { name: 'ratings', match: [], action: { clusters: [{ cluster: 'c', weight: 1 }] }, fault, ...extra };
  const run = buildRoutePipeline<string>(r, { clock, random, attempt: up.attempt, resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536 });
  return { clock, up, run };
}

test('a delay holds the request for fixedDelay, then forwards it; the stream is flagged DI even though it succeeds', async () => {
  const { clock, up, run } = setup({ delay: { fixedDelayMs: 7_000, percent: 100 } });
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 6_999);
  assert.equal(up.calls.length, 0);
  assert.equal(req.info.responseFlags, 'DI');
  await runFor(clock, 1);
  assert.equal(up.calls.length, 1);
  assert.equal(p.value?.status, 200);
  assert.equal(req.info.responseFlags, 'DI');
  assert.equal(clock.pendingCount, 0);
});

test('an abort answers locally with the status, flagged FI ("DI,FI" after a delay), and is never retried', async () => {
  const { clock, up, run } = setup(
    { delay: { fixedDelayMs: 5, percent: 100 }, abort: { httpStatus: 503, percent: 100 } },
    { retry: { maxRetries: 3, retryOn: ['5xx', 'reset'], retriableStatusCodes: [503], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true } },
  );
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 1_000);
  assert.ok(p.error instanceof FaultAbortError);
  assert.equal(up.calls.length, 0, 'the upstream never saw it, and the retry stage never retried it');
  const local = rescue(p.error, req.info);
  assert.equal(local.status, 503);
  assert.equal(req.info.responseFlags, 'DI,FI');
  assert.equal(getHeader(local.headers, 'x-weft-response-flags'), 'DI,FI');
  assert.equal(getHeader(local.headers, 'x-weft-proxy'), 'client.default');
  assert.match((await local.body.collect()).toString(), /fault filter abort/);
});

test('shares over many requests match the configured percentages (seeded, so exact and repeatable)', async () => {
  // The seed's shape with shorter delays: 10 % delayed 5 ms, 5.5 % aborted with 500 (a fractional share).
  const { clock, up, run } = setup({ delay: { fixedDelayMs: 5, percent: 10 }, abort: { httpStatus: 500, percent: 5.5 } }, {}, seededRandom(42));
  const n = 10_000;
  const reqs = Array.from({ length: n }, () => request());
  const results = reqs.map((r) => track(run(r, 'c')));
  await runFor(clock, 10);
  const delayed = reqs.filter((r) => r.info.responseFlags.includes('DI')).length;
  const aborted = results.filter((r) => r.error instanceof FaultAbortError).length;
  assert.equal(results.filter((r) => r.settled).length, n);
  assert.equal(up.calls.length, n - aborted);
  // Binomial: 3 standard deviations is ±0.90 % (delay) and ±0.68 % (abort) at n = 10 000.
  assert.ok(Math.abs(delayed / n - 0.10) < 0.009, `delayed ${delayed}`);
  assert.ok(Math.abs(aborted / n - 0.055) < 0.0068, `aborted ${aborted}`);
  assert.equal(clock.pendingCount, 0);
});

test('drawPercent: 100 % draws no number, 0 % and garbage never hit, fractions are honoured', () => {
  const never = (): number => assert.fail('no draw expected');
  assert.equal(drawPercent(100, never), true);
  assert.equal(drawPercent(0, never), false);
  assert.equal(drawPercent(Number.NaN, never), false);
  assert.equal(drawPercent(0.5, () => 0.004), true);
  assert.equal(drawPercent(0.5, () => 0.005), false);
});

test('a gRPC abort answers HTTP 200 with grpc-status; an HTTP status wins over a gRPC one', async () => {
  const clock = new VirtualClock(0);
  const inner = () => Promise.resolve(response(200));
  const grpc = faultLayer<string>({ abort: { grpcStatus: 'UNAVAILABLE', percent: 100 } }, { clock, random: Math.random })!(inner);
  const req = request();
  const p = track(grpc(newRouteCall(req, 'c')));
  await runFor(clock, 0);
  const local = rescue(p.error, req.info);
  assert.equal(local.status, 200);
  assert.equal(getHeader(local.headers, 'grpc-status'), '14');
  assert.equal(req.info.responseFlags, 'FI');
  assert.equal(grpcStatusCode('deadline_exceeded'), 4);
  assert.equal(grpcStatusCode('13'), 13);
  assert.equal(grpcStatusCode('NO_SUCH_CODE'), 2);

  const both = faultLayer<string>({ abort: { httpStatus: 429, grpcStatus: 'UNAVAILABLE', percent: 100 } }, { clock, random: Math.random })!(inner);
  const req2 = request();
  const p2 = track(both(newRouteCall(req2, 'c')));
  await runFor(clock, 0);
  assert.equal(rescue(p2.error, req2.info).status, 429);
});

test('a policy that injects nothing adds no stage', () => {
  const clock = new VirtualClock(0);
  const deps = { clock, random: Math.random };
  assert.equal(faultLayer({}, deps), null);
  assert.equal(faultLayer({ delay: { fixedDelayMs: 0, percent: 100 } }, deps), null);
  assert.equal(faultLayer({ delay: { fixedDelayMs: 100, percent: 0 }, abort: { httpStatus: 500, percent: 0 } }, deps), null);
  assert.equal(faultLayer({ abort: { percent: 100 } }, deps), null, 'an abort with no status is no abort (Envoy)');
  assert.notEqual(faultLayer({ abort: { httpStatus: 500, percent: 0.001 } }, deps), null);
});
