// The local rate limit on virtual time: the token bucket, its refill, the enabled/enforced
// fractions with a seeded random, the refusal's headers, and the bucket across config versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import type { LocalRateLimit } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import { newStreamInfo, type HttpRequest, type HttpResponse, type Service } from '../http/message.ts';
import { RateLimitedError } from '../errors.ts';
import { RateLimitSlot, TokenBucket, rateLimitLayer } from './rate-limit.ts';
import { seeded } from '../../../test/conformance/balancer.suite.ts';

/** The seed's EnvoyFilter: 100 tokens, 100 per fill, every 60 s. */
const SEED: LocalRateLimit = { maxTokens: 100, tokensPerFill: 100, fillIntervalMs: 60_000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [] };

const ok: Service = () => Promise.resolve<HttpResponse>({ status: 200, headers: [], body: Body.empty() });

function request(): HttpRequest {
  return { method: 'GET', authority: 'svc', path: '/', scheme: 'http', headers: [], body: Body.empty(), info: newStreamInfo('inbound', '127.0.0.1') };
}

/** Runs `n` requests through `svc`; counts answers and refusals. */
async function run(svc: Service, n: number): Promise<{ passed: number; refused: RateLimitedError[] }> {
  const out = { passed: 0, refused: [] as RateLimitedError[] };
  for (let i = 0; i < n; i++) {
    try {
      await svc(request());
      out.passed++;
    } catch (err) {
      assert.ok(err instanceof RateLimitedError);
      out.refused.push(err);
    }
  }
  return out;
}

test('the 101st request within the fill interval is refused with 429 RL; a full bucket after the interval', async () => {
  const clock = new VirtualClock(0);
  const svc = rateLimitLayer(SEED, new TokenBucket(100, 100, 60_000, clock), Math.random)(ok);
  const first = await run(svc, 100);
  assert.equal(first.passed, 100, 'the bucket starts full');
  clock.advance(59_999);
  const over = await run(svc, 1);
  assert.equal(over.refused.length, 1);
  assert.equal(over.refused[0]!.status, 429);
  assert.equal(over.refused[0]!.flag, 'RL');
  assert.equal(over.refused[0]!.message, 'local_rate_limited');
  clock.advance(1);
  const refilled = await run(svc, 101);
  assert.equal(refilled.passed, 100, 'refilled at 60 s, to maxTokens');
  assert.equal(refilled.refused.length, 1);
  assert.equal(clock.pendingCount, 0, 'no timer: the refill is computed from the clock');
});

test('refills tokensPerFill per elapsed interval, capped at maxTokens', () => {
  const clock = new VirtualClock(0);
  const b = new TokenBucket(10, 3, 1_000, clock);
  for (let i = 0; i < 10; i++) assert.ok(b.tryConsume());
  assert.equal(b.tryConsume(), false);
  clock.advance(1_500);
  assert.equal(b.tokens, 3, 'one fill');
  clock.advance(500);
  assert.equal(b.tokens, 6, 'the second fill lands on its own boundary (steps anchored at creation)');
  clock.advance(10_000);
  assert.equal(b.tokens, 10, 'never above maxTokens');
});

test('enabledPercent and enforcedPercent with a seeded random', async () => {
  const clock = new VirtualClock(0);
  // Only 50 % of requests are evaluated: an empty bucket refuses about half of them.
  const half: LocalRateLimit = { ...SEED, maxTokens: 1, tokensPerFill: 1, enabledPercent: 50 };
  const bucket = new TokenBucket(1, 1, 60_000, clock);
  assert.ok(bucket.tryConsume());
  const enabled = await run(rateLimitLayer(half, bucket, seeded(7))(ok), 4000);
  assert.ok(Math.abs(enabled.refused.length - 2000) < 150, `≈50 % evaluated and refused, got ${enabled.refused.length}`);
  // Every request is evaluated, but only 25 % of the limited ones are refused.
  const quarter: LocalRateLimit = { ...SEED, maxTokens: 1, tokensPerFill: 1, enforcedPercent: 25 };
  const b2 = new TokenBucket(1, 1, 60_000, clock);
  assert.ok(b2.tryConsume());
  const enforced = await run(rateLimitLayer(quarter, b2, seeded(11))(ok), 4000);
  assert.ok(Math.abs(enforced.refused.length - 1000) < 120, `≈25 % enforced, got ${enforced.refused.length}`);
  // 0 % enabled: the limit never applies and takes no token.
  const off = new TokenBucket(1, 1, 60_000, clock);
  const none = await run(rateLimitLayer({ ...SEED, enabledPercent: 0 }, off, seeded(3))(ok), 50);
  assert.equal(none.passed, 50);
  assert.equal(off.tokens, 1);
});

test("the refusal carries response_headers_to_add, and only those (Envoy's defaults)", async () => {
  const clock = new VirtualClock(0);
  const cfg: LocalRateLimit = { ...SEED, maxTokens: 1, tokensPerFill: 1, responseHeaders: [['x-local-rate-limit', 'true'], ['x-other', 'a b']] };
  const svc = rateLimitLayer(cfg, new TokenBucket(1, 1, 1_000, clock), Math.random)(ok);
  const r = await run(svc, 3);
  assert.equal(r.passed, 1);
  assert.deepEqual(r.refused[0]!.headers, ['x-local-rate-limit', 'true', 'x-other', 'a b']);
  assert.equal(r.refused[0], r.refused[1], 'one prebuilt refusal per config');
});

test('the bucket survives config versions with the same parameters and resets when they change', async () => {
  const clock = new VirtualClock(0);
  const slot = new RateLimitSlot(clock, Math.random);
  const v1 = slot.layerFor(SEED)!(ok);
  assert.equal((await run(v1, 60)).passed, 60);
  // A new push, same bucket, other headers: no refill.
  const v2 = slot.layerFor({ ...SEED, responseHeaders: [['x-v', '2']] })!(ok);
  const r2 = await run(v2, 41);
  assert.equal(r2.passed, 40, 'the push did not refill the bucket');
  assert.deepEqual(r2.refused[0]!.headers, ['x-v', '2'], 'but the filter fields are the new ones');
  // New bucket parameters: a fresh, full bucket.
  const v3 = slot.layerFor({ ...SEED, maxTokens: 5, tokensPerFill: 5 })!(ok);
  assert.equal((await run(v3, 6)).passed, 5);
  // No limit in the config: no stage.
  assert.equal(slot.layerFor(undefined), null);
  assert.equal(slot.bucket, null);
});
