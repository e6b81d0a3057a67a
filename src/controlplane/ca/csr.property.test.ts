// Property-based tests (fast-check) of the CA's CSR endpoint logic: random PEM, random DER in a PEM armour and mutated real CSRs are refused with a CsrRejectedError, or — only when the CSR is intact — signed for exactly the identity it asked for; never an exception of another kind, never a certificate for another id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createCsr, generateWorkloadKey } from '../../proxy/transport/csr.ts';
import { CertificateAuthority, CsrRejectedError } from './index.ts';

/** Bounded so that the whole file runs in a few seconds on a loaded machine. */
const RUNS = 200;
const TD = 'cluster.local';
const ID = 'spiffe://cluster.local/ns/default/sa/order-service';

function pem(der: Uint8Array, label = 'CERTIFICATE REQUEST'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

function derOf(csrPem: string): Buffer {
  return Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** Signs, and asserts the only two acceptable outcomes. Returns true when a certificate came back. */
async function signChecked(ca: CertificateAuthority, csr: unknown, allowedId: string | null): Promise<boolean> {
  try {
    const res = await ca.sign({ csr } as never);
    const leaf = new X509Certificate(res.certChain[0]!);
    assert.notEqual(allowedId, null, 'a certificate was signed for garbage');
    assert.equal(leaf.subjectAltName, `URI:${allowedId}`, 'signed for exactly the asked identity');
    return true;
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof CsrRejectedError, `not a CsrRejectedError: ${String((err as Error)?.stack ?? err)}`);
    assert.match((err as CsrRejectedError).code, /^WEFT_CA_/);
    return false;
  }
}

test('random strings, random DER and mutated CSRs: CsrRejectedError, or a certificate for the asked id only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-csr-fuzz-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'ca'), trustDomain: TD });
  const valid = createCsr(generateWorkloadKey(), ID);
  const validDer = derOf(valid);
  assert.equal(await signChecked(ca, valid, ID), true, 'the unmutated CSR is signed');

  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 600 }), async (s) => { await signChecked(ca, s, null); }), { numRuns: RUNS });
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (der) => { await signChecked(ca, pem(der), null); }), { numRuns: RUNS });
  await fc.assert(
    fc.asyncProperty(fc.anything(), async (v) => { await signChecked(ca, v, null); }),
    { numRuns: RUNS },
  );

  let signed = 0;
  const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('flip', 'xor-bit', 'truncate', 'insert') });
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (mutations, asPem) => {
      let der = Buffer.from(validDer);
      for (const m of mutations) {
        const at = m.at % der.length;
        if (m.kind === 'flip') der[at] = m.byte;
        else if (m.kind === 'xor-bit') der[at] = der[at]! ^ (1 << (m.byte % 8));
        else if (m.kind === 'truncate') der = der.subarray(0, at);
        else der = Buffer.concat([der.subarray(0, at), Buffer.from([m.byte]), der.subarray(at)]);
      }
      // A changed CSR may only be signed if it still asks for ID and still verifies (a byte that
      // changes nothing signed, e.g. DER padding a parser tolerates): the id is checked either way.
      if (await signChecked(ca, asPem ? pem(der) : der.toString('latin1'), ID)) signed++;
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`mutated CSRs signed (for the asked id): ${signed} of ${RUNS}`);

  // A valid CSR for another trust domain or a malformed id is refused whatever its framing.
  for (const other of ['spiffe://evil.example/ns/default/sa/order-service', 'spiffe://cluster.local/ns/default/sa/order-service/extra']) {
    let csr: string;
    try {
      csr = createCsr(generateWorkloadKey(), other);
    } catch {
      continue; // the sidecar's own CSR builder refuses it already
    }
    assert.equal(await signChecked(ca, csr, null), false, other);
  }
});
