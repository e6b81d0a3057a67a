// The plug-in CA: Istio's cacerts layout signs workload certificates that chain through the intermediate to the user's root; each broken layout is refused at start with a message naming the file and the fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { createCsr, generateWorkloadKey } from '../../proxy/transport/csr.ts';
import { checkResponse } from '../../proxy/transport/certificates.ts';
import { CertificateAuthority, PLUGIN_CA_KEY_FILE } from './index.ts';
import { writeTestCa, type TestCaOptions } from './test-ca.ts';

const TD = 'cluster.local';
const ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const DAY = 86_400_000;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-plugin-ca-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function signWith(ca: CertificateAuthority, now: number) {
  const key = generateWorkloadKey();
  const res = await ca.sign({ csr: createCsr(key, ID) });
  // Exactly the check a sidecar makes before using the answer.
  return { res, bundle: checkResponse(res, { spiffeId: ID, spki: key.spki, keyPem: key.keyPem, now }) };
}

for (const kind of ['ec', 'rsa'] as const) {
  test(`a ${kind.toUpperCase()} intermediate signs leaves whose chain ends at the user's root`, async (t) => {
    const dir = await tempDir(t);
    const user = await writeTestCa(join(dir, 'cacerts'), { intermediateKey: kind });
    const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'unused'), pluginDir: join(dir, 'cacerts'), trustDomain: TD });
    assert.equal(ca.plugin, true);
    const { res } = await signWith(ca, Date.now());
    assert.equal(res.certChain.length, 2, 'leaf + intermediate; the root is not in the chain');
    assert.equal(res.certChain[1], user.intermediatePem);
    assert.deepEqual(res.trustBundle, [user.rootPem]);
    const leaf = new X509Certificate(res.certChain[0]!);
    const inter = new X509Certificate(user.intermediatePem);
    assert.ok(leaf.checkIssued(inter) && leaf.verify(inter.publicKey));
    assert.ok(inter.verify(new X509Certificate(user.rootPem).publicKey));
    assert.equal(leaf.subjectAltName, `URI:${ID}`);
  });
}

test('without cert-chain.pem, ca-cert.pem signed by the root is enough', async (t) => {
  const dir = await tempDir(t);
  await writeTestCa(dir, { noChainFile: true });
  const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'unused'), pluginDir: dir, trustDomain: TD });
  const { res } = await signWith(ca, Date.now());
  assert.equal(res.certChain.length, 2);
});

test('leaves never outlive the intermediate', async (t) => {
  const dir = await tempDir(t);
  const end = Date.now() + 2 * 3_600_000;
  await writeTestCa(dir, { intermediateNotAfter: end });
  const clock = new VirtualClock(Date.now());
  const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'unused'), pluginDir: dir, trustDomain: TD, clock, defaultTtlMs: DAY });
  const { res } = await signWith(ca, clock.now());
  assert.ok(Math.abs(new X509Certificate(res.certChain[0]!).validToDate.getTime() - end) < 1000);
});

const broken: readonly { name: string; opts?: TestCaOptions; prepare?: (dir: string) => Promise<void>; want: RegExp }[] = [
  { name: 'key does not match', opts: { wrongKey: true }, want: /ca-key\.pem does not belong to the signing CA \(ca-cert\.pem\) certificate/ },
  { name: 'not a CA', opts: { intermediateNotCa: true }, want: /ca-cert\.pem\) certificate is not a CA certificate/ },
  { name: 'expired', opts: { intermediateNotBefore: Date.now() - 10 * DAY, intermediateNotAfter: Date.now() - DAY }, want: /ca-cert\.pem expired on/ },
  { name: 'not yet valid', opts: { intermediateNotBefore: Date.now() + DAY }, want: /ca-cert\.pem is not valid yet/ },
  { name: 'another root', opts: { wrongRoot: true }, want: /is not signed by any certificate of root-cert\.pem/ },
  { name: 'a file missing', prepare: (dir) => unlink(join(dir, PLUGIN_CA_KEY_FILE)), want: /ca-key\.pem is missing/ },
];

for (const b of broken) {
  test(`refused at start: ${b.name}`, async (t) => {
    const dir = await tempDir(t);
    await writeTestCa(dir, b.opts);
    await b.prepare?.(dir);
    await assert.rejects(CertificateAuthority.loadOrCreate({ dir: join(dir, 'unused'), pluginDir: dir, trustDomain: TD }), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'WEFT_CA_PLUGIN_INVALID', String(err));
      assert.match((err as Error).message, b.want);
      return true;
    });
  });
}

test('a default lifetime of seconds is allowed (for rotation tests), below 2 s it is refused', async (t) => {
  const dir = await tempDir(t);
  const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'ca'), trustDomain: TD, defaultTtlMs: 10_000 });
  const now = Date.now();
  const { res } = await signWith(ca, now);
  // The CA reads its own clock when it signs, a few ms after `now` on a loaded machine.
  const signedBy = Date.now();
  const life = new X509Certificate(res.certChain[0]!).validToDate.getTime() - now;
  assert.ok(life > 8_000 && life <= 10_000 + (signedBy - now), `lifetime ${life} (signed within ${signedBy - now} ms)`);
  // Under a minute, the configured default is also the shortest lifetime a request may ask for.
  const key = generateWorkloadKey();
  await ca.sign({ csr: createCsr(key, ID), ttlMs: 10_000 });
  await assert.rejects(ca.sign({ csr: createCsr(key, ID), ttlMs: 5_000 }), /below the minimum of 10000 ms/);
  await assert.rejects(CertificateAuthority.loadOrCreate({ dir: join(dir, 'ca'), trustDomain: TD, defaultTtlMs: 1_000 }), /between 2 s and 90 days/);
});
