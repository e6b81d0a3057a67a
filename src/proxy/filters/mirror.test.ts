// The mirror stage on virtual time: the copy gets the "-shadow" Host and the request's body, the
// primary is never slowed or failed by it, copies are bounded in time and number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { MirrorPolicy, Route } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import { getHeader, type HttpResponse } from '../http/message.ts';
import { UpstreamConnectError, UpstreamTimeoutError } from '../errors.ts';
import { DEFAULT_MIRROR_TIMEOUT_MS, shadowHost } from './mirror.ts';
import { buildRoutePipeline, type RoutePipelineDeps } from './route-pipeline.ts';
import { FakeUpstream, request, response, runFor, seededRandom, track, type Outcome, type UpstreamCall } from './test-fixtures.ts';

const PRIMARY = 'outbound|9080|v1|reviews';
const MIRROR = 'outbound|9080|v2|reviews';

function setup(mirrors: readonly MirrorPolicy[], script: (n: number, call: UpstreamCall) => Outcome, extra: Partial<Route> = {}, deps: Partial<RoutePipelineDeps<string>> = {}) {
  const clock = new VirtualClock(0);
  const up = new FakeUpstream(script);
  const r: Route = { name: 'reviews', match: [], action: { clusters: [{ cluster: PRIMARY, weight: 1 }] }, mirrors, ...extra };
  const run = buildRoutePipeline<string>(r, { clock, random: seededRandom(5), attempt: up.attempt, resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536, ...deps });
  const primary = () => up.calls.filter((c) => c.target === PRIMARY);
  const copies = () => up.calls.filter((c) => c.target === MIRROR);
  return { clock, up, run, primary, copies };
}

test('Envoy\'s -shadow rule: appended to the host, before the port', () => {
  assert.equal(shadowHost('reviews'), 'reviews-shadow');
  assert.equal(shadowHost('reviews:9080'), 'reviews-shadow:9080');
  assert.equal(shadowHost('reviews.default.svc.cluster.local:9080'), 'reviews.default.svc.cluster.local-shadow:9080');
  assert.equal(shadowHost('[::1]:8080'), '[::1]-shadow:8080');
  assert.equal(shadowHost('[::1]'), '[::1]-shadow');
  assert.equal(shadowHost('::1'), '::1-shadow');
});

test('the copy goes to the mirror cluster with the -shadow Host; the client gets the primary\'s answer', async () => {
  const { clock, run, primary, copies } = setup([{ cluster: MIRROR, percent: 100 }], (_n, c) => (c.target === PRIMARY ? response(200, 'from v1') : response(200, 'from v2')));
  const req = request({ path: '/reviews/1?x=y', headers: ['x-request-id', 'abc'] });
  const p = track(run(req, PRIMARY));
  await runFor(clock, 0);
  assert.equal((await p.value!.body.collect()).toString(), 'from v1');
  assert.equal(primary().length, 1);
  assert.equal(copies().length, 1);
  const copy = copies()[0]!;
  assert.equal(copy.req.authority, 'reviews-shadow:9080');
  assert.equal(getHeader(copy.headers, 'host'), 'reviews-shadow:9080');
  assert.equal(getHeader(primary()[0]!.headers, 'host'), 'reviews:9080', 'the primary keeps its Host');
  assert.equal(copy.req.path, '/reviews/1?x=y');
  assert.equal(getHeader(copy.headers, 'x-request-id'), 'abc');
  assert.notEqual(copy.req.info, req.info, 'the copy has its own StreamInfo');
  assert.equal(req.info.upstreamCluster, PRIMARY, 'the primary\'s access-log fields are its own');
  assert.equal(clock.pendingCount, 0, 'the copy\'s timer ended with its answer');
});

test('a dead or hanging mirror changes nothing for the client, and the copy is bounded by the route timeout', async () => {
  {
    const { clock, run } = setup([{ cluster: MIRROR, percent: 100 }], (_n, c) => (c.target === PRIMARY ? response(200) : new UpstreamConnectError('10.9.9.9:80', new Error('ECONNREFUSED'))));
    const req = request();
    const p = track(run(req, PRIMARY));
    await runFor(clock, 0);
    assert.equal(p.value?.status, 200);
    assert.equal(req.info.responseFlags, '');
  }
  {
    const { clock, run, copies } = setup([{ cluster: MIRROR, percent: 100 }], (_n, c) => (c.target === PRIMARY ? response(200) : 'hang'), { timeoutMs: 2_000 });
    const p = track(run(request(), PRIMARY));
    await runFor(clock, 0);
    assert.equal(p.value?.status, 200, 'answered while the copy still hangs');
    assert.equal(copies()[0]!.opts.signal?.aborted, false);
    await runFor(clock, 2_000);
    assert.equal(copies()[0]!.opts.signal?.aborted, true);
    assert.ok(copies()[0]!.opts.signal?.reason instanceof UpstreamTimeoutError);
    assert.equal(clock.pendingCount, 0);
  }
  {
    const { clock, run, copies } = setup([{ cluster: MIRROR, percent: 100 }], (_n, c) => (c.target === PRIMARY ? response(200) : 'hang'));
    track(run(request(), PRIMARY));
    await runFor(clock, DEFAULT_MIRROR_TIMEOUT_MS);
    assert.equal(copies()[0]!.opts.signal?.aborted, true, 'no route timeout: Envoy\'s default 15 s bounds the copy');
  }
});

test('a mirror\'s answer body is read and dropped, and a hanging body is cancelled at the bound', async () => {
  let cancelled = false;
  const slow: HttpResponse = { status: 200, headers: [], body: new Body(null, { pause: () => {}, resume: () => {}, cancel: () => { cancelled = true; } }) };
  const done = response(200, 'ignored');
  const { clock, run } = setup([{ cluster: MIRROR, percent: 100 }], (n, c) => (c.target === PRIMARY ? response(200) : n === 2 ? done : slow), { timeoutMs: 100 });
  track(run(request(), PRIMARY));
  track(run(request(), PRIMARY));
  await runFor(clock, 0);
  assert.equal(done.body.attached, true, 'read to the end');
  await runFor(clock, 100);
  assert.equal(cancelled, true);
  assert.equal(clock.pendingCount, 0);
});

test('a request body is copied once it has fully arrived; one larger than the replay bound is not mirrored', async () => {
  {
    const upload = new Body(null, { pause: () => {}, resume: () => {} });
    const { clock, run, primary, copies } = setup([{ cluster: MIRROR, percent: 100 }], () => response(200));
    const p = track(run(request({ method: 'POST', body: upload }), PRIMARY));
    upload.push(Buffer.from('{"a":'));
    await runFor(clock, 0);
    assert.equal(copies().length, 0, 'the copy waits for the whole body');
    assert.equal(primary().length, 1, 'the primary streams at once');
    upload.push(Buffer.from('1}'));
    upload.end();
    await runFor(clock, 0);
    assert.equal(p.value?.status, 200);
    assert.equal(copies().length, 1);
    assert.equal(await copies()[0]!.sent, '{"a":1}');
    assert.equal(await primary()[0]!.sent, '{"a":1}');
    assert.equal(copies()[0]!.req.body.length, 7, 'a complete copy goes with a Content-Length');
  }
  {
    const { clock, run, primary, copies } = setup([{ cluster: MIRROR, percent: 100 }], () => response(200), {}, { replayLimitBytes: 8 });
    const p = track(run(request({ method: 'POST', body: 'x'.repeat(100) }), PRIMARY));
    await runFor(clock, 0);
    assert.equal(p.value?.status, 200);
    assert.equal(await primary()[0]!.sent, 'x'.repeat(100));
    assert.equal(copies().length, 0);
  }
});

test('mirrorPercentage: a fractional share of requests is copied (seeded), each mirror drawn on its own', async () => {
  const n = 8_000;
  const { clock, run, copies } = setup([{ cluster: MIRROR, percent: 12.5 }, { cluster: 'outbound|9080|v3|reviews', percent: 0 }], () => response(200), {}, { maxMirrorsInFlight: n });
  for (let i = 0; i < n; i++) track(run(request(), PRIMARY));
  await runFor(clock, 0);
  const share = copies().length / n;
  // 3 standard deviations of a binomial at p = 0.125, n = 8 000: ±1.1 %.
  assert.ok(Math.abs(share - 0.125) < 0.011, `mirrored ${copies().length}`);
  assert.equal(clock.pendingCount, 0);
});

test('at most maxInFlight copies run at once; a missing mirror cluster is skipped', async () => {
  const { clock, run, copies } = setup([{ cluster: MIRROR, percent: 100 }], (_n, c) => (c.target === PRIMARY ? response(200) : 'hang'), { timeoutMs: 1_000 }, { maxMirrorsInFlight: 3 });
  const answers = Array.from({ length: 5 }, () => track(run(request(), PRIMARY)));
  await runFor(clock, 0);
  assert.ok(answers.every((a) => a.value?.status === 200));
  assert.equal(copies().length, 3);
  await runFor(clock, 1_000);
  track(run(request(), PRIMARY));
  await runFor(clock, 0);
  assert.equal(copies().length, 4, 'slots come back when copies end');
  await runFor(clock, 1_000);

  const missing = setup([{ cluster: 'outbound|1|gone|x', percent: 100 }], () => response(200), {}, { resolveCluster: () => undefined });
  const p = track(missing.run(request(), PRIMARY));
  await runFor(missing.clock, 0);
  assert.equal(p.value?.status, 200);
  assert.equal(missing.up.calls.length, 1);
});
