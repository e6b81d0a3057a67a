// Certificates rotated under steady load: with 4-second workload certificates, two sidecars renew every ~2 s while a bounded loop of requests runs through them; every request succeeds, each side rotates at least 3 times, and the serial numbers each peer sees change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { RunningProxy } from '../../src/proxy/options.ts';
import { certsOf, capturingLogger, send, sleep, startApp, startCp, startSidecar, tempDir, untilOk, type ControlPlane, type Reply } from './security-harness.ts';

const TTL_MS = 4_000;
/** Run until both sides rotated this often and saw each other's new serials; give up (and fail) after MAX_RUN_MS. */
const ROTATIONS = 3;
const MAX_RUN_MS = 45_000;
const CONCURRENCY = 4;
const URL = 'http://user-service:8080/rotate';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('zero failed requests while both sidecars rotate their certificates at least 3 times', { timeout: 90_000 }, async (t) => {
  const dir = await tempDir('weft-rotation-');
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cp: ControlPlane = await startCp(dir, { workloadCertTtlMs: TTL_MS });
  cleanup.push(() => cp.close());
  const app = await startApp();
  cleanup.push(() => app.close());
  const serverLog = capturingLogger();
  const clientLog = capturingLogger();
  const server: RunningProxy = await startSidecar(cp, { service: 'user-service', appPort: app.port, logger: serverLog.logger });
  cleanup.push(() => server.drain(100));
  const client: RunningProxy = await startSidecar(cp, { service: 'order-service', appPort: 1, logger: clientLog.logger });
  cleanup.push(() => client.drain(100));
  assert.equal((await untilOk(client.outboundPort, URL)).status, 200);

  // Certificates last TTL_MS: check the CA granted what was configured.
  const first = await certsOf(server);
  const life = Date.parse(first.chain[0]!.validTo) - Date.now();
  assert.ok(life <= TTL_MS && life > 0, `leaf lifetime left ${life} ms`);

  const failures: Reply[] = [];
  let sent = 0;
  let stop = false;
  const agents = Array.from({ length: CONCURRENCY }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  cleanup.push(() => { for (const a of agents) a.destroy(); });
  const loops = agents.map(async (agent) => {
    while (!stop) {
      const r = await send(client.outboundPort, URL, agent);
      sent++;
      if (r.status !== 200) failures.push(r);
    }
  });
  const deadline = Date.now() + MAX_RUN_MS;
  let s = await certsOf(server);
  let c = await certsOf(client);
  // Until both rotated ROTATIONS times and each saw the other's new certificates (a loaded
  // machine only makes this take longer), or the deadline.
  const seen = (): { client: number; server: number } => ({
    client: new Set(s.peers.filter((p) => p.direction === 'inbound' && p.spiffeId.endsWith('/sa/order-service')).map((p) => p.serialNumber)).size,
    server: new Set(c.peers.filter((p) => p.direction === 'outbound' && p.spiffeId.endsWith('/sa/user-service')).map((p) => p.serialNumber)).size,
  });
  while (Date.now() < deadline && !(s.rotations >= ROTATIONS && c.rotations >= ROTATIONS && seen().client >= ROTATIONS && seen().server >= 2)) {
    await sleep(250);
    [s, c] = await Promise.all([certsOf(server), certsOf(client)]);
  }
  stop = true;
  await Promise.all(loops);

  t.diagnostic(`sent ${sent} requests; rotations: server ${s.rotations}, client ${c.rotations}; failures ${failures.length}`);
  assert.ok(s.rotations >= ROTATIONS && c.rotations >= ROTATIONS, `rotations: server ${s.rotations}, client ${c.rotations} within ${MAX_RUN_MS} ms`);
  assert.deepEqual(failures.map((f) => `${f.status} ${f.headers['x-weft-response-flags'] ?? ''} ${f.error ?? f.body}`), [], 'no request failed');
  assert.ok(sent > 20, `a steady load: ${sent} requests`);

  // What each peer saw: the client's certificate serials at the server (inbound), the server's at the client (outbound).
  const clientSerialsAtServer = new Set(s.peers.filter((p) => p.direction === 'inbound' && p.spiffeId.endsWith('/sa/order-service')).map((p) => p.serialNumber));
  const serverSerialsAtClient = new Set(c.peers.filter((p) => p.direction === 'outbound' && p.spiffeId.endsWith('/sa/user-service')).map((p) => p.serialNumber));
  assert.ok(clientSerialsAtServer.size >= ROTATIONS, `the server saw ${clientSerialsAtServer.size} client serials: ${[...clientSerialsAtServer].join(' ')}`);
  assert.ok(serverSerialsAtClient.size >= 2, `the client saw ${serverSerialsAtClient.size} server serials: ${[...serverSerialsAtClient].join(' ')}`);

  // The sidecars logged their rotations, and never a refusal.
  const rotatedLines = (lines: Record<string, unknown>[]): number => lines.filter((l) => l.msg === 'rotated workload certificate').length;
  assert.ok(rotatedLines(serverLog.lines) >= ROTATIONS && rotatedLines(clientLog.lines) >= ROTATIONS);
  const refused = [...serverLog.lines, ...clientLog.lines].filter((l) => /refused/.test(String(l.msg)));
  assert.deepEqual(refused, []);
});
