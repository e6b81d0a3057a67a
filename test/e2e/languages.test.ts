// Clients in three languages, with no mesh code, reach user-service by each of its names through `weft run`: Node's fetch, curl and Python's urllib.request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Mesh, NODE, USER_SERVICE_APP, waitUntil, type Result, type Workload } from './harness/mesh.ts';

/** One service, three spellings of its name (Kubernetes' short name, name.namespace, FQDN). */
const URLS = [
  'http://user-service:8080/users/123',
  'http://user-service.default:8080/users/123',
  'http://user-service.default.svc.cluster.local:8080/users/123',
];

/** Each client prints one line per URL, `<url> <body> <status>`, and knows nothing of a mesh. */
const CLIENTS: Record<string, readonly string[]> = {
  'node-fetch': [NODE, '--input-type=module', '-e', `
    for (const url of ${JSON.stringify(URLS)}) {
      const res = await fetch(url);
      console.log(url, await res.text(), res.status);
    }`],
  // curl reads only the lower-case http_proxy; `weft run` sets both spellings.
  curl: ['sh', '-ec', `for url in ${URLS.join(' ')}; do printf '%s ' "$url"; curl -sS -w ' %{http_code}\\n' "$url"; done`],
  python: ['python3', '-c', `
import urllib.request
for url in ${JSON.stringify(URLS)}:
    with urllib.request.urlopen(url, timeout=10) as res:
        print(url, res.read().decode(), res.status)
`],
};

let mesh: Mesh;
let userService: Workload;

before(async () => {
  mesh = await Mesh.start();
  userService = await mesh.run({ service: 'user-service', version: 'v1', command: [NODE, USER_SERVICE_APP], appReady: /user-service v1 listening/, accessLog: 'stderr' });
});

after(async () => {
  await mesh.close();
});

interface AccessLogLine {
  readonly direction?: string;
  readonly path?: string;
  readonly response_code?: number;
  readonly downstream_peer_identity?: string;
}

/** The JSON access-log lines a workload's sidecar wrote to stderr (`--access-log stderr`). */
function accessLog(w: Workload): AccessLogLine[] {
  const lines: AccessLogLine[] = [];
  for (const line of w.output().stderr.split('\n')) {
    if (!line.startsWith('{"start_time"')) continue;
    try { lines.push(JSON.parse(line) as AccessLogLine); } catch { /* a torn line: not ours to judge here */ }
  }
  return lines;
}

function check(client: string, r: Result): void {
  const context = `${client}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, context);
  for (const url of URLS) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${url} `));
    assert.ok(line !== undefined, `${client} printed nothing for ${url}\n${context}`);
    const m = /^\S+ (.*) (\d+)$/.exec(line);
    assert.ok(m, `${client}: ${line}`);
    assert.equal(m[2], '200', `${client} ${url}: ${line}`);
    const body = JSON.parse(m[1] ?? '') as { id?: unknown; servedBy?: unknown };
    assert.deepEqual({ id: body.id, servedBy: body.servedBy }, { id: 123, servedBy: { service: 'user-service', version: 'v1' } }, `${client} ${url}: the answer comes from user-service`);
  }
}

test('Node fetch, curl and Python urllib reach user-service as user-service, user-service.default and the FQDN', { timeout: 90_000 }, async (t) => {
  // The service answers for itself on its app port (the same body, for comparison).
  const direct = await fetch(`http://127.0.0.1:${userService.ports.app}/users/123`, { headers: { connection: 'close' } });
  assert.equal(direct.status, 200);
  const { servedBy } = (await direct.json()) as { servedBy: unknown };
  assert.deepEqual(servedBy, { service: 'user-service', version: 'v1' });

  const names = Object.keys(CLIENTS);
  const results = await Promise.all(names.map((name) => mesh.runToEnd({ service: `${name}-client`, command: CLIENTS[name] ?? [] })));
  names.forEach((name, i) => {
    check(name, results[i] as Result);
    t.diagnostic(`${name}: ${URLS.length} names → 200 from user-service`);
  });

  // user-service's sidecar saw each call arrive over mTLS from the caller's own sidecar: one
  // inbound access-log line per call, carrying the caller's SPIFFE identity.
  const inbound = await waitUntil('user-service\'s sidecar never logged the 9 inbound calls', async () => {
    const lines = accessLog(userService).filter((l) => l.direction === 'inbound' && l.path === '/users/123');
    return lines.length >= names.length * URLS.length ? { done: true, value: lines } : { done: false, last: `${lines.length} lines` };
  }, 5000, 100);
  for (const name of names) {
    const from = inbound.filter((l) => l.downstream_peer_identity === `spiffe://cluster.local/ns/default/sa/${name}-client`);
    assert.equal(from.length, URLS.length, `${name}: inbound calls with its identity\n${JSON.stringify(inbound, null, 1)}`);
    assert.ok(from.every((l) => l.response_code === 200), JSON.stringify(from));
  }
});
