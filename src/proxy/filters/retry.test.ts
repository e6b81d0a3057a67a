// The retry stage on virtual time, through the route pipeline with a scripted upstream: what is
// retried (Envoy's retry_on), back-off, per-try timeouts, URX, previous hosts, body replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { RetryCondition, RetryPolicy, Route } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import { getHeader, type HttpResponse } from '../http/message.ts';
import { createRescue } from '../rescue.ts';
import { NoHealthyUpstreamError, OverflowError, UpstreamConnectError, UpstreamProtocolError, UpstreamResetError, UpstreamTimeoutError } from '../errors.ts';
import { buildRoutePipeline, type RoutePipelineDeps } from './route-pipeline.ts';
import { backoffMs, compileRetryOn, resetKindOf, type RetryBudget } from './retry.ts';
import { FakeUpstream, request, response, runFor, seededRandom, track, type Outcome, type UpstreamCall } from './test-fixtures.ts';

function policy(p: Partial<RetryPolicy> = {}): RetryPolicy {
  return { maxRetries: 2, retryOn: ['5xx'], retriableStatusCodes: [], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true, ...p };
}

function route(extra: Partial<Route>): Route {
  return { name: 'reviews', match: [], action: { clusters: [{ cluster: 'outbound|9080||reviews', weight: 100 }] }, ...extra };
}

function setup(r: Route, script: (n: number, call: UpstreamCall) => Outcome, extra: Partial<RoutePipelineDeps<string>> = {}) {
  const clock = new VirtualClock(0);
  const up = new FakeUpstream(script);
  const deps: RoutePipelineDeps<string> = {
    clock,
    random: seededRandom(7),
    attempt: up.attempt,
    resolveCluster: (n) => n,
    log: silentLogger,
    replayLimitBytes: 64 * 1024,
    ...extra,
  };
  const run = buildRoutePipeline(r, deps);
  return { clock, up, run };
}

const rescue = createRescue(() => 'client.default', () => {});

test('503 twice then 200: the client sees 200, after back-offs within Envoy\'s jittered bounds', async () => {
  const at: number[] = [];
  const { clock, up, run } = setup(route({ retry: policy() }), (n) => {
    at.push(clock.monotonic());
    return n < 3 ? response(503, 'busy') : response(200, 'ok');
  }, { random: () => 0.999 });
  const req = request();
  const p = track(run(req, 'outbound|9080||reviews'));
  await runFor(clock, 1_000);
  assert.equal(p.settled, true);
  assert.equal(p.value?.status, 200);
  assert.equal(up.calls.length, 3);
  // Retry 1 waits floor(0.999 × 25) = 24 ms, retry 2 floor(0.999 × 75) = 74 ms.
  assert.deepEqual(at, [0, 24, 98]);
  assert.deepEqual(up.calls.map((c) => getHeader(c.headers, 'x-envoy-attempt-count')), ['1', '2', '3']);
  assert.equal(req.info.responseFlags, '');
  assert.equal(clock.pendingCount, 0);
});

test('a retried 503 body is read to its end (its connection is reused); a long streaming one is cancelled', async () => {
  const complete = response(503, 'busy');
  let cancelled = false;
  const streaming: HttpResponse = { status: 503, headers: [], body: new Body(null, { pause: () => {}, resume: () => {}, cancel: () => { cancelled = true; } }) };
  const { clock, run } = setup(route({ retry: policy() }), (n) => (n === 1 ? complete : n === 2 ? streaming : response(200)));
  const p = track(run(request(), 'c'));
  await runFor(clock, 1_000);
  assert.equal(p.value?.status, 200);
  assert.equal(complete.body.attached, true, 'the complete body was consumed (discarded)');
  assert.equal(cancelled, true, 'the streaming body was cancelled');
});

test('exhausted retries: the last answer, flagged URX — a response as it came, an error through rescue', async () => {
  {
    const { clock, up, run } = setup(route({ retry: policy({ maxRetries: 2 }) }), () => response(503, 'still busy', ['x-from', 'upstream']));
    const req = request();
    const p = track(run(req, 'c'));
    await runFor(clock, 2_000);
    assert.equal(up.calls.length, 3);
    assert.equal(p.value?.status, 503);
    assert.equal(getHeader(p.value!.headers, 'x-from'), 'upstream', 'the upstream\'s own answer, not a local reply');
    assert.equal(req.info.responseFlags, 'URX');
  }
  {
    const { clock, up, run } = setup(route({ retry: policy({ maxRetries: 1, retryOn: ['reset'] }) }), () => new UpstreamResetError('10.0.0.1:80'));
    const req = request();
    const p = track(run(req, 'c'));
    await runFor(clock, 2_000);
    assert.equal(up.calls.length, 2);
    assert.ok(p.error instanceof UpstreamResetError);
    const local = rescue(p.error, req.info);
    assert.equal(local.status, 503);
    assert.equal(req.info.responseFlags, 'URX,UC');
    assert.equal(clock.pendingCount, 0);
  }
});

test('an answer the policy does not retry is returned at once, without URX', async () => {
  for (const [retryOn, outcome] of [
    [['5xx'], response(404)],
    [['gateway-error'], response(500)],
    [['5xx'], response(503, '', ['x-envoy-ratelimited', 'true'])],
    [['5xx', 'reset'], new OverflowError('c', 'max_requests')],
    [['5xx', 'reset'], new NoHealthyUpstreamError('c')],
    [['connect-failure'], new UpstreamResetError('10.0.0.1:80')],
    [['retriable-4xx'], response(429)],
  ] as const) {
    const { clock, up, run } = setup(route({ retry: policy({ retryOn }) }), () => outcome);
    const req = request();
    const p = track(run(req, 'c'));
    await runFor(clock, 1_000);
    assert.equal(up.calls.length, 1, `${retryOn.join(',')} must not retry ${outcome instanceof Error ? outcome.name : outcome.status}`);
    assert.equal(p.settled, true);
    assert.equal(req.info.responseFlags, '');
  }
});

test('retry_on as Envoy reads it: statuses, gRPC status in the head, and resets', () => {
  const when = (retryOn: RetryCondition[], codes: number[] = []) => compileRetryOn({ retryOn, retriableStatusCodes: codes });
  const s = (status: number, headers: string[] = []) => response(status, '', headers);
  assert.equal(when(['5xx']).response(s(500)), true);
  assert.equal(when(['5xx']).response(s(599)), true);
  assert.equal(when(['gateway-error']).response(s(503)), true);
  assert.equal(when(['gateway-error']).response(s(501)), false);
  assert.equal(when(['retriable-4xx']).response(s(409)), true);
  assert.equal(when(['retriable-status-codes'], [418]).response(s(418)), true);
  assert.equal(when(['retriable-status-codes'], [418]).response(s(503)), false);
  assert.equal(when(['5xx'], [418]).response(s(418)), false, 'listed codes count only under retriable-status-codes');
  assert.equal(when(['unavailable']).response(s(200, ['grpc-status', '14'])), true);
  assert.equal(when(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted']).response(s(200, ['grpc-status', '14'])), false);
  assert.equal(when(['resource-exhausted']).response(s(200, ['grpc-status', '8'])), true);
  assert.equal(when(['unavailable']).response(s(200)), false);

  const kinds = {
    connect: resetKindOf(new UpstreamConnectError('10.0.0.1:80', new Error('ECONNREFUSED'))),
    reset: resetKindOf(new UpstreamResetError('10.0.0.1:80')),
    protocol: resetKindOf(new UpstreamProtocolError('bad status line')),
    overflow: resetKindOf(new OverflowError('c', 'max_pending_requests')),
    bug: resetKindOf(new TypeError('x is undefined')),
    refused: resetKindOf(new Error('REFUSED_STREAM'), () => true),
  };
  assert.deepEqual(kinds, { connect: 'connect-failure', reset: 'reset', protocol: 'reset', overflow: null, bug: null, refused: 'refused-stream' });
  for (const c of ['5xx', 'gateway-error', 'reset'] as const) {
    assert.equal(when([c]).reset('connect-failure'), true, `${c} retries connect failures`);
    assert.equal(when([c]).reset('reset'), true, `${c} retries resets`);
    assert.equal(when([c]).reset('refused-stream'), true);
  }
  assert.equal(when(['connect-failure']).reset('connect-failure'), true);
  assert.equal(when(['connect-failure']).reset('reset'), false);
  assert.equal(when(['refused-stream']).reset('refused-stream'), true);
  assert.equal(when(['refused-stream']).reset('connect-failure'), false);
  assert.equal(when(['5xx', 'reset']).reset('overflow'), false);
  assert.equal(when(['5xx', 'reset']).reset(null), false);
  assert.equal(when(['retriable-4xx', 'retriable-status-codes', 'unavailable'], [503]).reset('reset'), false);
});

test('a reset connection is retried under reset', async () => {
  const { clock, up, run } = setup(route({ retry: policy({ retryOn: ['reset'] }) }), (n) => (n === 1 ? new UpstreamResetError('10.0.0.1:80') : response(200, 'ok')));
  const p = track(run(request(), 'c'));
  await runFor(clock, 1_000);
  assert.equal(p.value?.status, 200);
  assert.equal(up.calls.length, 2);
});

test('Envoy\'s back-off: retry N waits uniform in [0, (2^N − 1) × base), capped', () => {
  assert.equal(backoffMs(1, 25, 250, () => 0), 0);
  assert.equal(backoffMs(1, 25, 250, () => 0.999999), 24);
  assert.equal(backoffMs(2, 25, 250, () => 0.999999), 74);
  assert.equal(backoffMs(3, 25, 250, () => 0.999999), 174);
  assert.equal(backoffMs(4, 25, 250, () => 0.999999), 250, 'capped at the maximum');
  assert.equal(backoffMs(60, 25, 250, () => 0.5), 250, 'no overflow for large N');
  assert.equal(backoffMs(2, 0, 0, () => 0.5), 0);
  const r = seededRandom(3);
  for (let i = 0; i < 1_000; i++) {
    const d = backoffMs(2, 25, 250, r);
    assert.ok(d >= 0 && d < 75 && Number.isInteger(d));
  }
});

test('per-try timeout: the hanging first attempt is aborted at perTryTimeout and the next one succeeds', async () => {
  const { clock, up, run } = setup(route({ retry: policy({ perTryTimeoutMs: 100, retryOn: ['gateway-error'] }) }), (n) => (n === 1 ? 'hang' : response(200, 'second')));
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 99);
  assert.equal(up.calls.length, 1);
  assert.equal(up.calls[0]!.opts.signal?.aborted, false);
  await runFor(clock, 1);
  const first = up.calls[0]!.opts.signal!;
  assert.equal(first.aborted, true, 'the attempt is aborted (forward closes its connection)');
  assert.ok(first.reason instanceof UpstreamTimeoutError);
  await runFor(clock, 500);
  assert.equal(p.value?.status, 200);
  assert.equal(up.calls.length, 2);
  assert.equal(req.info.responseFlags, '');
  assert.equal(clock.pendingCount, 0, 'the second attempt\'s per-try timer was disarmed at its response head');
});

test('per-try timeouts on every attempt: 504 UT, flagged URX', async () => {
  const { clock, up, run } = setup(route({ retry: policy({ maxRetries: 1, perTryTimeoutMs: 50, retryOn: ['5xx'] }) }), () => 'hang');
  const req = request();
  const p = track(run(req, 'c'));
  await runFor(clock, 1_000);
  assert.equal(up.calls.length, 2);
  assert.ok(p.error instanceof UpstreamTimeoutError);
  const local = rescue(p.error, req.info);
  assert.equal(local.status, 504);
  assert.equal(req.info.responseFlags, 'URX,UT');
});

test('a per-try timeout is not retried under connect-failure alone (Envoy counts it as a reset)', async () => {
  const { clock, up, run } = setup(route({ retry: policy({ perTryTimeoutMs: 50, retryOn: ['connect-failure'] }) }), () => 'hang');
  const p = track(run(request(), 'c'));
  await runFor(clock, 1_000);
  assert.equal(up.calls.length, 1);
  assert.ok(p.error instanceof UpstreamTimeoutError);
});

test('retries prefer endpoints not tried yet (previous_hosts), and only when asked to', async () => {
  {
    const { clock, up, run } = setup(route({ retry: policy({ maxRetries: 2 }) }), () => response(503));
    const p = track(run(request(), 'c'));
    await runFor(clock, 1_000);
    assert.equal(p.value?.status, 503);
    assert.equal(new Set(up.calls.map((c) => c.host)).size, 3, 'three attempts, three different endpoints');
    assert.equal(up.calls[0]!.excluded, undefined);
    assert.deepEqual(up.calls[1]!.excluded, [up.calls[0]!.host]);
    assert.deepEqual(up.calls[2]!.excluded, [up.calls[0]!.host, up.calls[1]!.host]);
  }
  {
    const { clock, up, run } = setup(route({ retry: policy({ avoidPreviousHosts: false }) }), () => response(503));
    track(run(request(), 'c'));
    await runFor(clock, 1_000);
    assert.ok(up.calls.every((c) => c.excluded === undefined));
  }
});

test('a request body is replayed to each attempt; one larger than the replay bound is not retried', async () => {
  {
    const { clock, up, run } = setup(route({ retry: policy() }), (n) => (n < 3 ? response(503) : response(201)));
    const p = track(run(request({ method: 'POST', body: 'name=weft' }), 'c'));
    await runFor(clock, 1_000);
    assert.equal(p.value?.status, 201);
    assert.deepEqual(await Promise.all(up.calls.map((c) => c.sent)), ['name=weft', 'name=weft', 'name=weft']);
  }
  {
    const { clock, up, run } = setup(route({ retry: policy() }), () => response(503), { replayLimitBytes: 16 });
    const req = request({ method: 'POST', body: 'x'.repeat(32) });
    const p = track(run(req, 'c'));
    await runFor(clock, 1_000);
    assert.equal(up.calls.length, 1, 'not retried');
    assert.equal(await up.calls[0]!.sent, 'x'.repeat(32), 'the one attempt still got the whole body');
    assert.equal(p.value?.status, 503);
    assert.equal(req.info.responseFlags, '', 'not a retry limit: the request was never retriable');
  }
});

test('a streaming upload: a connect failure before the body arrived is retried with the whole body', async () => {
  let producerPaused = false;
  const body = new Body(null, { pause: () => { producerPaused = true; }, resume: () => { producerPaused = false; } });
  const { clock, up, run } = setup(route({ retry: policy({ retryOn: ['connect-failure'] }) }), (n) => (n === 1 ? new UpstreamConnectError('10.0.0.1:80', new Error('ECONNREFUSED')) : response(200)));
  const p = track(run(request({ method: 'PUT', body }), 'c'));
  body.push(Buffer.from('part one, '));
  await runFor(clock, 1_000);
  assert.equal(up.calls.length, 2);
  body.push(Buffer.from('part two'));
  body.end();
  await runFor(clock, 10);
  assert.equal(p.value?.status, 200);
  assert.equal(await up.calls[1]!.sent, 'part one, part two');
  assert.equal(producerPaused, false);
});

test('the cluster\'s retry budget: each retry takes one and gives it back; a spent budget keeps the last answer, flagged UO', async () => {
  let inFlight = 0;
  let max = 0;
  const budget: RetryBudget<string> = {
    tryStart: () => {
      inFlight++;
      max = Math.max(max, inFlight);
      return true;
    },
    end: () => { inFlight--; },
  };
  {
    const { clock, run } = setup(route({ retry: policy() }), (n) => (n < 3 ? response(503) : response(200)), { retryBudget: budget });
    const p = track(run(request(), 'c'));
    await runFor(clock, 1_000);
    assert.equal(p.value?.status, 200);
    assert.equal(inFlight, 0, 'balanced');
    assert.equal(max, 1);
  }
  {
    const spent: RetryBudget<string> = { tryStart: () => false, end: () => assert.fail('nothing to give back') };
    const { clock, up, run } = setup(route({ retry: policy() }), () => response(503), { retryBudget: spent });
    const req = request();
    const p = track(run(req, 'c'));
    await runFor(clock, 1_000);
    assert.equal(up.calls.length, 1);
    assert.equal(p.value?.status, 503);
    assert.equal(req.info.responseFlags, 'UO');
  }
});

test('x-envoy-* retry and timeout fields from the application are removed, not obeyed', async () => {
  const { clock, up, run } = setup(route({ retry: policy({ maxRetries: 1 }) }), () => response(503));
  const req = request({ headers: ['x-envoy-max-retries', '5', 'x-envoy-upstream-rq-timeout-ms', '1', 'x-envoy-attempt-count', '9', 'x-envoy-decorator-operation', 'kept'] });
  track(run(req, 'c'));
  await runFor(clock, 1_000);
  assert.equal(up.calls.length, 2, 'x-envoy-max-retries: 5 was ignored');
  const sent = up.calls[1]!.headers;
  assert.equal(getHeader(sent, 'x-envoy-max-retries'), undefined);
  assert.equal(getHeader(sent, 'x-envoy-upstream-rq-timeout-ms'), undefined);
  assert.equal(getHeader(sent, 'x-envoy-attempt-count'), '2');
  assert.equal(getHeader(sent, 'x-envoy-decorator-operation'), 'kept', 'fields the router does not consume pass');
});
