// The CSR endpoint of a running control plane under random and mutated input (fast-check): with a valid join token for one identity, random bodies, random PEM/DER and mutated CSRs get 4xx with a WEFT_* code, never a 5xx, never a certificate for another identity; the control plane keeps answering.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import fc from 'fast-check';
import { createCsr, generateWorkloadKey } from '../../src/proxy/transport/csr.ts';
import { startCp, tempDir, type ControlPlane } from './security-harness.ts';

const RUNS = 60;
const ID = 'spiffe://cluster.local/ns/default/sa/order-service';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

function post(cp: ControlPlane, token: string, body: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/v1/certificates', cp.url), {
      method: 'POST', ca: cp.rootCertPem, agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      res.on('end', () => {
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { json = text; }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE REQUEST-----\n`;
}

test('random and mutated CSRs over HTTP: 4xx with a code, never 5xx, never a certificate for another id', { timeout: 120_000 }, async () => {
  const dir = await tempDir('weft-csr-http-');
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cp = await startCp(path.join(dir, 'state'));
  cleanup.push(() => cp.close());
  const token = cp.mintJoinToken('default', 'order-service');
  const valid = createCsr(generateWorkloadKey(), ID);
  const validDer = Buffer.from(valid.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

  const check = async (body: string): Promise<void> => {
    const r = await post(cp, token, body);
    if (r.status === 200) {
      const leaf = new X509Certificate((r.json as { certChain: string[] }).certChain[0]!);
      assert.equal(leaf.subjectAltName, `URI:${ID}`, 'a certificate only for the token\'s identity');
      return;
    }
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}: ${JSON.stringify(r.json)}`);
    assert.match((r.json as { error?: { code?: string } })?.error?.code ?? '', /^WEFT_/);
  };

  await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 })), check), { numRuns: RUNS });
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (der) => check(JSON.stringify({ csr: pem(der) }))), { numRuns: RUNS });
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.anything({ maxDepth: 1 }), async (at, byte, ttl) => {
      const der = Buffer.from(validDer);
      der[at % der.length] = byte;
      await check(JSON.stringify({ csr: pem(der), ...(ttl === undefined ? {} : { ttlMs: ttl }) }));
    }),
    { numRuns: RUNS },
  );
  // A well-formed CSR for another identity, with this token: refused.
  const other = await post(cp, token, JSON.stringify({ csr: createCsr(generateWorkloadKey(), 'spiffe://cluster.local/ns/default/sa/payment-service') }));
  assert.equal(other.status, 403);
  // And the control plane still serves the legitimate request.
  const ok = await post(cp, token, JSON.stringify({ csr: valid }));
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
});
