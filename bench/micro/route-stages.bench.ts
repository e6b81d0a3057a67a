// node bench/micro/route-stages.bench.ts [requests]
// The route stages' own cost per request, configured but not triggered: a route with the issue-3
// benchmark's policies (timeout 3 s, 3 retries with a 1 s per-try timeout, retryOn
// 5xx,reset,connect-failure,refused-stream) and one with Istio's default retry policy, against a
// route with no policy, in-process, on the system clock (real Node timers), with an upstream that
// answers 200 at once and handles the abort signal as forward() does. 64 requests in flight, as the
// e2e benchmark's closed loop. What it measures is the pipeline alone; bench/e2e/run.ts measures the
// sidecars end to end (chain weft-resilience).
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { Route } from '../../src/model/proxy-config.ts';
import { Body } from '../../src/proxy/http/body.ts';
import { newStreamInfo, type HttpRequest, type HttpResponse } from '../../src/proxy/http/message.ts';
import { buildRoutePipeline, isPlainRoute, type RouteRunner } from '../../src/proxy/filters/route-pipeline.ts';
import type { Attempt } from '../../src/proxy/filters/route-call.ts';

const total = Number(process.argv[2] ?? 300_000);
const IN_FLIGHT = 64;

const base: Route = { name: 'backend', match: [], action: { clusters: [{ cluster: 'outbound|8080||backend', weight: 100 }] } };
/** Istio's default policy, which the compiler gives every route whose VirtualService sets no retries. */
const istioDefault: Route = {
  ...base,
  retry: { maxRetries: 2, retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'], retriableStatusCodes: [503], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true },
};
const resilient: Route = {
  ...base,
  timeoutMs: 3_000,
  retry: { maxRetries: 3, perTryTimeoutMs: 1_000, retryOn: ['5xx', 'reset', 'connect-failure', 'refused-stream'], retriableStatusCodes: [], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true },
};

const ok = (): HttpResponse => ({ status: 200, headers: ['content-type', 'text/plain', 'content-length', '2'], body: Body.of('ok') });
/**
 * forward() stand-in: answers on the next microtask, as a response parsed in the same socket read
 * would, and with a signal does what forward's withAbort does (listen for abort until the head).
 */
const attempt: Attempt<string> = (_t, req, opts) => {
  req.info.upstreamHost = '127.0.0.1:8080';
  const signal = opts.signal;
  if (signal === undefined) return Promise.resolve().then(ok);
  return new Promise<HttpResponse>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve().then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(ok());
    });
  });
};

function request(): HttpRequest {
  return {
    method: 'GET', authority: 'backend:8080', path: '/', scheme: 'http',
    headers: ['host', 'backend:8080', 'user-agent', 'wrk', 'accept', '*/*', 'x-request-id', 'f3c1', 'x-forwarded-proto', 'http'],
    body: Body.empty(), info: newStreamInfo('outbound', '127.0.0.1'),
  };
}

function runnerFor(r: Route): RouteRunner<string> {
  if (isPlainRoute(r)) return (req, target) => attempt(target, req, {});
  return buildRoutePipeline(r, { clock: systemClock, random: Math.random, attempt, resolveCluster: (n) => n, log: silentLogger, replayLimitBytes: 65_536 });
}

async function measure(run: RouteRunner<string>, n: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const res = await run(request(), 'outbound|8080||backend');
      res.body.discard();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return ((performance.now() - t0) * 1_000) / n;
}

const runners = [runnerFor(base), runnerFor(istioDefault), runnerFor(resilient)];
const rows: [string, number[]][] = [['plain route (no policy)', []], ['Istio\'s default retry policy', []], ['timeout + retries + per-try timeout', []]];
for (const r of runners) await measure(r, 50_000);
for (let round = 0; round < 5; round++) {
  for (let i = 0; i < runners.length; i++) rows[i]![1].push(await measure(runners[i]!, total));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node ${process.version}, ${total} requests × 5 rounds, ${IN_FLIGHT} in flight; µs per request (median of rounds)`);
for (const [name, xs] of rows) console.log(`${name.padEnd(40)} ${median(xs).toFixed(2)} µs   rounds: ${xs.map((x) => x.toFixed(2)).join(' ')}`);
for (const i of [1, 2]) console.log(`added by "${rows[i]![0]}": ${(median(rows[i]![1]) - median(rows[0]![1])).toFixed(2)} µs per request`);
