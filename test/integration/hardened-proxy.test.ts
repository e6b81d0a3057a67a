// The hardened sidecar front end over raw sockets: smuggling shapes get 400 and oversized or too many headers 431, each with the connection closed and nothing forwarded, while another client's requests through the same sidecar keep succeeding; a slow head gets 408; connections over the listener's cap are closed at once and logged; random bytes never take the sidecar down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import type { RunningProxy } from '../../src/proxy/options.ts';
import { capturingLogger, send, sleep, startApp, startCp, startSidecar, tempDir, untilOk, type ControlPlane } from './security-harness.ts';

const URL_OK = 'http://user-service:8080/ok';
const HEADERS_TIMEOUT_MS = 400;
const MAX_CONNECTIONS = 8;
const IDLE_MS = 1_000;

let dir: string;
let cp: ControlPlane;
let app: Awaited<ReturnType<typeof startApp>>;
let appRequests: string[] = [];
let server: RunningProxy;
let client: RunningProxy;
const clientLog = capturingLogger();

before(async () => {
  dir = await tempDir('weft-hardened-');
  cp = await startCp(path.join(dir, 'state'));
  app = await startApp();
  app.server.prependListener('request', (req: http.IncomingMessage) => { appRequests.push(req.url ?? ''); });
  server = await startSidecar(cp, { service: 'user-service', appPort: app.port });
  client = await startSidecar(cp, {
    service: 'order-service',
    appPort: 1,
    logger: clientLog.logger,
    extra: { headersTimeoutMs: HEADERS_TIMEOUT_MS, maxDownstreamConnections: MAX_CONNECTIONS, downstreamIdleTimeoutMs: IDLE_MS },
  });
  assert.equal((await untilOk(client.outboundPort, URL_OK)).status, 200);
});

after(async () => {
  await client?.drain(100);
  await server?.drain(100);
  app?.close();
  await cp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `chunks` (with `gapMs` between them) on a raw connection; resolves with everything read until the sidecar closed it. */
function raw(port: number, chunks: readonly (string | Buffer)[], gapMs = 0, timeoutMs = 5_000, halfClose = false): Promise<{ text: string; closedBySidecar: boolean; ms: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    let text = '';
    let closedBySidecar = false;
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on('connect', async () => {
      for (const c of chunks) {
        if (s.destroyed) break;
        s.write(c);
        if (gapMs > 0) await sleep(gapMs);
      }
      if (halfClose && !s.destroyed) s.end();
    });
    s.on('data', (c: Buffer) => { text += c.toString('latin1'); });
    s.on('end', () => { closedBySidecar = true; });
    s.on('error', () => { closedBySidecar = true; });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedBySidecar, ms: performance.now() - start });
    });
  });
}

const ABS = 'http://user-service:8080';
const SMUGGLED = `GET ${ABS}/smuggled HTTP/1.1\r\nHost: user-service:8080\r\n\r\n`;
const CASES: readonly { name: string; request: string; status: number }[] = [
  { name: 'CL.TE', request: `POST ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400 },
  { name: 'TE.CL', request: `POST ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400 },
  { name: 'two differing Content-Length', request: `POST ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello${SMUGGLED}`, status: 400 },
  { name: 'invalid chunk size', request: `POST ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n${SMUGGLED}`, status: 400 },
  { name: 'chunk extension flood', request: `POST ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\nTransfer-Encoding: chunked\r\n\r\n${`1;${'e'.repeat(2000)}\r\nx\r\n`.repeat(12)}0\r\n\r\n${SMUGGLED}`, status: 400 },
  { name: 'Transfer-Encoding in HTTP/1.0', request: `POST ${ABS}/a HTTP/1.0\r\nHost: user-service:8080\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400 },
  { name: 'two Host fields', request: `GET /a HTTP/1.1\r\nHost: user-service:8080\r\nHost: evil:8080\r\n\r\n${SMUGGLED}`, status: 400 },
  { name: '101 header fields', request: `GET ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\n${'X-Pad: 1\r\n'.repeat(100)}\r\n${SMUGGLED}`, status: 431 },
  { name: 'a 61 KiB header', request: `GET ${ABS}/a HTTP/1.1\r\nHost: user-service:8080\r\nX-Big: ${'b'.repeat(61 * 1024)}\r\n\r\n${SMUGGLED}`, status: 431 },
];

test('smuggling shapes → 400, oversized heads → 431, the connection closed, nothing smuggled; another client keeps being served', { timeout: 60_000 }, async () => {
  appRequests = [];
  // The bystander: one keep-alive connection through the same sidecar, a request beside each bad one.
  const bystander = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bystanderStatuses: number[] = [];
  for (const c of CASES) {
    const [r, b] = await Promise.all([raw(client.outboundPort, [c.request]), send(client.outboundPort, `${ABS}/bystander`, bystander)]);
    bystanderStatuses.push(b.status);
    assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${c.status} `), `${c.name}: ${r.text.slice(0, 120)}`);
    assert.match(r.text, /\r\nconnection: close\r\n/i, `${c.name}: says it closes`);
    assert.equal(r.closedBySidecar, true, `${c.name}: the sidecar closed the connection`);
    assert.equal((r.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, `${c.name}: exactly one answer`);
    assert.match(r.text, /x-weft-response-flags: DPE/i);
  }
  bystander.destroy();
  assert.ok(!appRequests.includes('/smuggled'), 'the app never saw the smuggled request');
  assert.ok(!appRequests.includes('/a'), 'nor the malformed one');
  assert.deepEqual(bystanderStatuses, CASES.map(() => 200), 'every bystander request succeeded');
});

test('a request head not complete within the headers timeout → 408 and close; a fast client is unaffected', async () => {
  const slow = await raw(client.outboundPort, [`GET ${ABS}/slow HTTP/1.1\r\n`, 'Host: user-service:8080\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', '\r\n'], 200);
  assert.match(slow.text, /^HTTP\/1\.1 408 /, slow.text.slice(0, 100));
  assert.equal(slow.closedBySidecar, true);
  assert.ok(slow.ms >= HEADERS_TIMEOUT_MS - 50 && slow.ms < HEADERS_TIMEOUT_MS + 3_000, `closed after ${slow.ms} ms`);
  // Pieces that complete the head in time are fine.
  const quick = await raw(client.outboundPort, [`GET ${ABS}/quick HTTP/1.1\r\n`, 'Host: user-service:8080\r\nConnection: close\r\n', '\r\n'], 50);
  assert.match(quick.text, /^HTTP\/1\.1 200 /, quick.text.slice(0, 100));
});

test('a keep-alive connection idle for the idle timeout is closed by the sidecar', async () => {
  const idle = await raw(client.outboundPort, [`GET ${ABS}/once HTTP/1.1\r\nHost: user-service:8080\r\n\r\n`], 0, 10_000);
  assert.match(idle.text, /^HTTP\/1\.1 200 /);
  assert.equal(idle.closedBySidecar, true);
  // The sweeper looks every quarter of the timeout (at least 250 ms).
  assert.ok(idle.ms >= IDLE_MS && idle.ms < IDLE_MS * 3 + 1_000, `closed after ${idle.ms} ms`);
});

test('over the connection cap a new connection is closed at once, counted and logged; freed slots serve again', async () => {
  const held: net.Socket[] = [];
  for (let i = 0; i < MAX_CONNECTIONS; i++) {
    const s = net.connect({ host: '127.0.0.1', port: client.outboundPort });
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    held.push(s);
  }
  await sleep(100);
  const over = await raw(client.outboundPort, [`GET ${ABS}/over HTTP/1.1\r\nHost: user-service:8080\r\n\r\n`], 0, 3_000);
  assert.equal(over.text, '', 'no answer over the cap');
  assert.equal(over.closedBySidecar, true);
  assert.ok(over.ms < 2_000, `closed at once (${over.ms} ms)`);
  const lines = clientLog.lines.filter((l) => /at its cap of 8 connections/.test(String(l.msg)));
  assert.equal(lines.length, 1, 'one (rate-limited) log line');
  assert.ok(Number(lines[0]!.droppedTotal) >= 1);
  for (const s of held) s.destroy();
  await sleep(200);
  assert.equal((await send(client.outboundPort, URL_OK)).status, 200, 'served again once connections left');
});

test('random and mutated bytes on raw connections: only valid status lines come back, and the sidecar keeps serving', { timeout: 60_000 }, async () => {
  const valid = `POST ${ABS}/fuzz HTTP/1.1\r\nHost: user-service:8080\r\nContent-Length: 5\r\n\r\nhello`;
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
      const b = Buffer.from(valid, 'latin1');
      b[at % b.length] = byte;
      return b;
    }),
  );
  await fc.assert(
    fc.asyncProperty(input, fc.nat({ max: 600 }), async (bytes, cut) => {
      const c = Math.min(cut, bytes.length);
      // Half-closed after writing: a complete request is answered, anything else ends soon.
      const r = await raw(client.outboundPort, [bytes.subarray(0, c), bytes.subarray(c)], 5, 1_000, true);
      // Whatever came back is a sequence of well-formed status lines (or nothing).
      for (const m of r.text.matchAll(/(^|\r\n\r\n|\n)(HTTP\/[^\r\n]*)\r\n/g)) assert.match(m[2]!, /^HTTP\/1\.1 [1-5]\d\d [^\r\n]*$/);
      if (r.text !== '') assert.match(r.text, /^HTTP\/1\.1 [1-5]\d\d /);
    }),
    { numRuns: 30 },
  );
  assert.equal((await send(client.outboundPort, URL_OK)).status, 200, 'still serving');
});
