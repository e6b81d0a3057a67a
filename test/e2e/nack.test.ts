// A config the sidecar rejects (a route regex over its --max-regex-length, as Envoy NACKs a regex over its RE2 program-size limit) leaves the previous config serving, `weft proxy-status` shows NACKed with the reason, and a fixed config syncs again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { startWeft } from '../cli/harness.ts';
import { ECHO_APP, Mesh, MeshProcess, NODE, waitUntil, type Workload } from './harness/mesh.ts';

/** The limit the client sidecars get; the servers keep the default (1024). */
const LIMIT = 64;
/** Valid RE2 (and JavaScript) of 89 characters: the control plane accepts it, a sidecar limited to 64 must not. */
const LONG_REGEX = '/api/(orders|users|payments|invoices|shipments)/[0-9]+/(details|history|summary|status)';
/** The same idea within the limit. */
const SHORT_REGEX = '/api/(orders|users)/[0-9]+/details';
const MATCHING_PATH = '/api/orders/42/details';
const OTHER_PATH = '/health';
const REQUESTS = 20;
/** An app that only keeps `weft run` alive: the test sends the client's requests through its sidecar. */
const IDLE_APP = [NODE, '-e', 'setInterval(() => {}, 1 << 30)'];

const DESTINATION_RULE = `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: web
spec:
  host: web
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;

/** A VirtualService for `web`: requests whose path matches `regex` go to `matched`, the rest to `rest`. */
function virtualService(regex: string | null, matched: string, rest: string): string {
  const first = regex === null ? '' : `  - match:
    - uri:
        regex: "${regex}"
    route:
    - destination:
        host: web
        subset: ${matched}
`;
  return `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: web
spec:
  hosts:
  - web
  http:
${first}  - route:
    - destination:
        host: web
        subset: ${rest}
`;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** GET http://web:8080<path> in absolute form through the sidecar's outbound listener (what an HTTP_PROXY client sends). */
function get(outboundPort: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: outboundPort, path: `http://web:8080${path}`, agent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} through 127.0.0.1:${outboundPort}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Sends `n` requests one after another; how many each version answered, and every failure. */
async function tally(outboundPort: number, path: string, n = REQUESTS): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(outboundPort, path);
    const key = r.status === 200 ? String((JSON.parse(r.body) as { version?: unknown }).version) : `failed ${r.status} ${r.body.slice(0, 120)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Lines of `weft proxy-status`, by proxy name. */
async function proxyStatus(mesh: Mesh): Promise<Map<string, string>> {
  const r = await mesh.weft(['proxy-status']);
  if (r.code !== 0) throw new Error(`weft proxy-status exited ${r.code}: ${r.stderr}`);
  return new Map(r.stdout.trim().split('\n').slice(1).map((line) => [line.split(/\s+/)[0] ?? '', line]));
}

/** Waits until `weft proxy-status` shows every proxy in `want` with a line matching its pattern. */
async function waitForStatus(mesh: Mesh, want: ReadonlyMap<string, RegExp>, timeoutMs = 15_000): Promise<Map<string, string>> {
  return waitUntil(`proxy-status never showed ${[...want].map(([id, re]) => `${id} ${re}`).join(', ')}`, async () => {
    const lines = await proxyStatus(mesh);
    const ok = [...want].every(([id, re]) => re.test(lines.get(id) ?? ''));
    return ok ? { done: true, value: lines } : { done: false, last: [...lines.values()].join('\n') };
  }, timeoutMs, 300);
}

/** `weft apply -f -` with `yaml` on stdin; its stdout, after asserting it succeeded. */
async function applyYaml(mesh: Mesh, yaml: string): Promise<string> {
  const p = new MeshProcess(startWeft(['apply', '-f', '-'], { env: mesh.env, input: yaml, detached: true }), 'weft apply -f -');
  try {
    const r = await p.done(30_000);
    assert.equal(r.code, 0, `weft apply failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  } finally {
    await p.stop(0);
  }
}

let mesh: Mesh;
let client: Workload;
let standalone: MeshProcess;
let standaloneId: string;
let servers: Workload[];

before(async () => {
  mesh = await Mesh.start();
  // `weft proxy` (the same flag, on a standalone sidecar) runs outside the Mesh's own bookkeeping: stopped in after().
  standalone = new MeshProcess(startWeft(['proxy', '--service', 'probe', '--port', '8080', '--app-port', '9', '--access-log', 'off', '--max-regex-length', String(LIMIT)], { env: mesh.env, detached: true }), 'weft proxy --max-regex-length');
  [client, ...servers] = await Promise.all([
    mesh.run({ service: 'client', command: IDLE_APP, flags: ['--max-regex-length', String(LIMIT)] }),
    mesh.run({ service: 'web', version: 'v1', command: [NODE, ECHO_APP], env: { VERSION: 'v1' }, appReady: /echo up on/ }),
    mesh.run({ service: 'web', version: 'v2', command: [NODE, ECHO_APP], env: { VERSION: 'v2' }, appReady: /echo up on/ }),
  ]);
  await standalone.waitFor(/^\{.*"id".*\}$/m, 30_000, 'weft proxy never printed its ports');
  standaloneId = (JSON.parse(standalone.output().stdout.trim().split('\n')[0] ?? '') as { id: string }).id;
});

after(async () => {
  agent.destroy();
  await standalone?.stop();
  await mesh?.close();
});

test('a config the sidecar NACKs leaves the previous one serving; proxy-status shows the reason; a fixed config syncs', { timeout: 120_000 }, async () => {
  assert.ok(LONG_REGEX.length > LIMIT && SHORT_REGEX.length <= LIMIT);

  // 1. The working config: everything to v1.
  const applied = await applyYaml(mesh, `${DESTINATION_RULE}---\n${virtualService(null, 'v1', 'v1')}`);
  assert.match(applied, /virtualservice\.networking\.istio\.io\/web created/);
  await client.waitForEndpoints({ '|v1|web.': 1, '|v2|web.': 1 });
  const everyone = new Map([client.proxyId, standaloneId, ...servers.map((s) => s.proxyId)].map((id) => [id, /\ssynced\s+yes$/]));
  await waitForStatus(mesh, everyone);
  assert.deepEqual(await tally(client.ports.outbound, MATCHING_PATH), { v1: REQUESTS });
  const goodVersion = (await client.configDump()).config?.version;
  assert.ok(goodVersion);

  // 2. A regex over the client sidecars' limit, with every route to v2: the control plane accepts
  //    it, the servers' sidecars (default limit) take it, the limited sidecars refuse it.
  const rejected = await applyYaml(mesh, virtualService(LONG_REGEX, 'v2', 'v2'));
  assert.match(rejected, /virtualservice\.networking\.istio\.io\/web configured/);
  const nacked = new RegExp(`\\sNACKed: regex of ${LONG_REGEX.length} characters exceeds this proxy's limit of ${LIMIT}\\s+yes$`);
  const lines = await waitForStatus(mesh, new Map([
    [client.proxyId, nacked],
    [standaloneId, nacked],
    ...servers.map((s) => [s.proxyId, /\ssynced\s+yes$/] as const),
  ]));
  // The NACKed proxy still reports the version it runs: the one it acknowledged before.
  assert.match(lines.get(client.proxyId) ?? '', new RegExp(`\\s${goodVersion.slice(0, 12)}\\s+NACKed`));
  const stored = await mesh.weft(['get', 'vs', 'web', '-o', 'yaml']);
  assert.ok(stored.stdout.includes(LONG_REGEX), `the control plane keeps the accepted config:\n${stored.stdout}`);
  const dump = (await client.configDump()) as Awaited<ReturnType<Workload['configDump']>> & { lastRejected: { version: string; reason: string } | null };
  assert.equal(dump.config?.version, goodVersion, 'the sidecar serves the config it had');
  assert.match(dump.lastRejected?.reason ?? '', /exceeds this proxy's limit of 64/);
  // Still routed by the previous config (everything to v1), not the rejected one (everything to v2).
  assert.deepEqual(await tally(client.ports.outbound, MATCHING_PATH), { v1: REQUESTS });
  assert.deepEqual(await tally(client.ports.outbound, OTHER_PATH), { v1: REQUESTS });

  // 3. The fixed config (a regex within the limit): every proxy synced, and the new routes serve.
  const fixed = await applyYaml(mesh, virtualService(SHORT_REGEX, 'v2', 'v1'));
  assert.match(fixed, /virtualservice\.networking\.istio\.io\/web configured/);
  const after = await waitForStatus(mesh, everyone);
  assert.doesNotMatch([...after.values()].join('\n'), /NACKed/);
  assert.notEqual((await client.configDump()).config?.version, goodVersion);
  assert.deepEqual(await tally(client.ports.outbound, MATCHING_PATH), { v2: REQUESTS });
  assert.deepEqual(await tally(client.ports.outbound, OTHER_PATH), { v1: REQUESTS });
});
