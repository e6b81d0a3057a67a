// A plain Node client with no mesh code: it calls order-service by name with fetch (through HTTP_PROXY, which `weft run` sets) and prints, as one JSON line, which version answered how often.
//
//   node canary-client.ts NORMAL_REQUESTS BETA_REQUESTS [CONCURRENCY]
//
// Before counting it calls until both v1 and v2 have answered once (at most WARMUP_LIMIT calls),
// so that the counts start when the sidecar knows both subsets.

const BASE = 'http://order-service:8080';
const WARMUP_LIMIT = 1000;
const normalRequests = Number(process.argv[2] ?? '2000');
const betaRequests = Number(process.argv[3] ?? '200');
const concurrency = Number(process.argv[4] ?? '8');

interface Tally {
  versions: Record<string, number>;
  failed: number;
  errors: string[];
}

async function call(i: number, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${BASE}/orders/${i}`, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : `unknown(${text.slice(0, 80)})`;
}

function causeOf(err: unknown): string {
  let cur = err as { message?: string; cause?: unknown };
  while (cur.cause instanceof Error) cur = cur.cause;
  return String(cur.message ?? cur);
}

async function phase(count: number, headers: Record<string, string>): Promise<Tally> {
  const tally: Tally = { versions: {}, failed: 0, errors: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        const v = await call(i, headers);
        tally.versions[v] = (tally.versions[v] ?? 0) + 1;
      } catch (err) {
        tally.failed++;
        if (tally.errors.length < 5) tally.errors.push(causeOf(err));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}

const seen = new Set<string>();
let warmup = 0;
const warmupErrors: string[] = [];
while (!(seen.has('v1') && seen.has('v2')) && warmup < WARMUP_LIMIT) {
  warmup++;
  try {
    seen.add(await call(warmup, {}));
  } catch (err) {
    if (warmupErrors.length < 5) warmupErrors.push(causeOf(err));
  }
}
const normal = await phase(normalRequests, {});
const beta = await phase(betaRequests, { 'user-type': 'beta' });
console.log(JSON.stringify({ warmup, warmupSeen: [...seen].sort(), warmupErrors, normal, beta }));
