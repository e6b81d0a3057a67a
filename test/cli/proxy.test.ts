// `weft proxy` as a real process: one JSON line with its ports once ready, registered while it runs, gone after SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, startWeft, weft, type TestControlPlane } from './harness.ts';

let tcp: TestControlPlane;
before(async () => { tcp = await startTestControlPlane(); });
after(async () => { await tcp.close(); });

test('ports as one JSON line, identity from the flags, a clean stop on SIGTERM', async () => {
  const px = startWeft(['proxy', '--control-plane', tcp.url, '--service', 'web', '--version', 'v3', '--label', 'track=canary',
    '--port', '8080', '--app-port', '3000', '--workload', 'web-0', '--access-log', 'off']);
  await px.waitFor(/^\{.*\}\n/m);
  const line = px.output().stdout.trim();
  const ports = JSON.parse(line) as { id: string; outboundPort: number; inboundPort: number; adminPort: number };
  assert.equal(ports.id, 'web-0.default');
  for (const p of [ports.outboundPort, ports.inboundPort, ports.adminPort]) assert.ok(Number.isInteger(p) && p > 0, line);

  const wl = JSON.parse((await weft(['get', 'workloads', 'web-0', '-o', 'json', '--control-plane', tcp.url])).stdout) as { labels: Record<string, string>; serviceAccount: string; ports: { port: number; targetPort: number }[] };
  assert.deepEqual(wl.labels, { app: 'web', version: 'v3', track: 'canary' });
  assert.equal(wl.serviceAccount, 'web');
  assert.deepEqual(wl.ports.map((p) => [p.port, p.targetPort]), [[8080, ports.inboundPort]]);
  const ready = await fetch(`http://127.0.0.1:${ports.adminPort}/ready`);
  assert.equal(ready.status, 200);
  await ready.body?.cancel();

  px.child.kill('SIGTERM');
  const r = await px.done;
  assert.equal(r.code, 0, r.stderr);
  const gone = await weft(['get', 'workloads', 'web-0', '--control-plane', tcp.url]);
  assert.equal(gone.code, 4);
});
