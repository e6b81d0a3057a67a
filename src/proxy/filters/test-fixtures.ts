// Test-only builders for the route stages: requests, responses, a scripted upstream standing in for
// forward() (it picks endpoints, honours the abort signal and reads the request body like a
// connection does), a seeded random source, and virtual-time helpers.
import { Body } from '../http/body.ts';
import { newStreamInfo, type HttpRequest, type HttpResponse } from '../http/message.ts';
import type { VirtualClock } from '../../lib/virtual-clock.ts';
import type { ForwardOptions } from '../upstream/forward.ts';
import type { Attempt } from './route-call.ts';

export interface RequestOptions {
  readonly method?: string;
  readonly authority?: string;
  readonly path?: string;
  readonly headers?: readonly string[];
  /** A complete body, or a Body the test feeds itself. */
  readonly body?: string | Body;
}

export function request(o: RequestOptions = {}): HttpRequest {
  const authority = o.authority ?? 'reviews:9080';
  const body = o.body === undefined ? Body.empty() : typeof o.body === 'string' ? Body.of(o.body) : o.body;
  const info = newStreamInfo('outbound', '127.0.0.1');
  info.requestId = 'req-1';
  return { method: o.method ?? 'GET', authority, path: o.path ?? '/', scheme: 'http', headers: ['host', authority, ...(o.headers ?? [])], body, info };
}

export function response(status: number, body = '', headers: readonly string[] = []): HttpResponse {
  return { status, headers: [...headers], body: Body.of(body) };
}

/** What the fake upstream does with one attempt. */
export type Outcome = HttpResponse | Error | 'hang' | Promise<HttpResponse>;

export interface UpstreamCall {
  readonly n: number;
  readonly target: string;
  readonly req: HttpRequest;
  readonly opts: ForwardOptions;
  readonly host: string;
  /** The request body as this attempt's "connection" read it (resolves when it ends, rejects if it fails). */
  readonly sent: Promise<string>;
  /** The request head fields as sent (a copy: later attempts edit the shared list). */
  readonly headers: readonly string[];
  /** The endpoints this attempt was asked to avoid, as they were then (the retry stage keeps adding to its set). */
  readonly excluded: readonly string[] | undefined;
}

/**
 * forward() in miniature: picks a host round-robin among those not excluded (all when every one
 * is), records it in the StreamInfo, reads the request body, and settles with the script's
 * outcome; an abort rejects with the signal's reason, as forward() does.
 */
export class FakeUpstream {
  readonly calls: UpstreamCall[] = [];
  readonly #hosts: readonly string[];
  readonly #script: (n: number, call: UpstreamCall) => Outcome;
  #next = 0;

  constructor(script: (n: number, call: UpstreamCall) => Outcome, hosts: readonly string[] = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']) {
    this.#script = script;
    this.#hosts = hosts;
  }

  readonly attempt: Attempt<string> = (target, req, opts) => {
    const ex = opts.exclude;
    const fresh = ex === undefined ? this.#hosts : this.#hosts.filter((h) => !ex.has(h));
    const pool = fresh.length > 0 ? fresh : this.#hosts;
    const host = pool[this.#next++ % pool.length]!;
    req.info.upstreamHost = host;
    req.info.upstreamCluster = target;
    const sent = req.body.collect(16 * 1024 * 1024).then((b) => b.toString());
    sent.catch(() => {});
    const call: UpstreamCall = { n: this.calls.length + 1, target, req, opts, host, sent, headers: [...req.headers], excluded: ex === undefined ? undefined : [...ex] };
    this.calls.push(call);
    const outcome = this.#script(call.n, call);
    return new Promise<HttpResponse>((resolve, reject) => {
      const signal = opts.signal;
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      if (outcome === 'hang') return;
      if (outcome instanceof Error) reject(outcome);
      else Promise.resolve(outcome).then(resolve, reject);
    });
  };
}

/** mulberry32: a small seeded uniform [0, 1) source, so share tests are exact and repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets pending promise callbacks run (event-loop turns, no waiting on time). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Moves virtual time forward by `ms`, one due timer at a time, letting promises settle between timers. */
export async function runFor(clock: VirtualClock, ms: number): Promise<void> {
  const end = clock.monotonic() + ms;
  await flush();
  for (let guard = 0; guard < 10_000; guard++) {
    const d = clock.nextDelay();
    if (d === null || clock.monotonic() + d > end) break;
    clock.advance(d);
    await flush();
  }
  clock.advance(Math.max(0, end - clock.monotonic()));
  await flush();
}

/** A promise's state without waiting for it. */
export function track<T>(p: Promise<T>): { readonly settled: boolean; readonly value: T | undefined; readonly error: unknown } {
  const s = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  p.then((v) => { s.settled = true; s.value = v; }, (e: unknown) => { s.settled = true; s.error = e; });
  return s;
}
