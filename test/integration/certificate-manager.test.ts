// The sidecar's CertificateManager against a real CertificateAuthority, on virtual time.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { X509Certificate, type webcrypto } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority } from '../../src/controlplane/ca/index.ts';
import type { Clock, Timer } from '../../src/lib/clock.ts';
import { VirtualClock } from '../../src/lib/virtual-clock.ts';
import { crypto, x509 } from '../../src/lib/x509.ts';
import type { CertificateRequest, CertificateResponse } from '../../src/model/control-protocol.ts';
import {
  CertificateManager,
  CertificateNotReadyError,
  CertificateRejectedError,
  CertificateUnavailableError,
  checkResponse,
  START_ATTEMPTS,
  type CertificateBundle,
} from '../../src/proxy/transport/certificates.ts';

const TD = 'cluster.local';
const ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const HOUR = 3_600_000;

/** A VirtualClock that announces every timer set, so a test can wait for "the manager armed its next try". */
class WatchedClock extends VirtualClock implements Clock {
  readonly armed = new EventEmitter<{ armed: [delay: number] }>();
  override setTimeout(fn: () => void, ms: number): Timer {
    const timer = super.setTimeout(fn, ms);
    this.armed.emit('armed', ms);
    return timer;
  }
}

interface Harness {
  readonly clock: WatchedClock;
  readonly ca: CertificateAuthority;
  readonly mgr: CertificateManager;
  /** Requests seen; set `failing` to make the next N fail as an unreachable control plane would. */
  readonly ctl: { calls: number; failing: number; answer?: (req: CertificateRequest) => Promise<CertificateResponse> };
}

async function harness(t: TestContext, opts: { defaultTtlMs?: number; ttlMs?: number } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-cm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const clock = new WatchedClock(Date.now());
  const ca = await CertificateAuthority.loadOrCreate({ dir, trustDomain: TD, clock, ...(opts.defaultTtlMs === undefined ? {} : { defaultTtlMs: opts.defaultTtlMs }) });
  const ctl: Harness['ctl'] = { calls: 0, failing: 0 };
  const request = async (req: CertificateRequest): Promise<CertificateResponse> => {
    ctl.calls++;
    if (ctl.failing > 0) {
      ctl.failing--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:15010');
    }
    return ctl.answer ? ctl.answer(req) : ca.sign(req);
  };
  // random 0.5: renewal exactly at half the lifetime, retry waits exactly half of each backoff ceiling.
  const mgr = new CertificateManager({ spiffeId: ID, request, clock, random: () => 0.5, ...(opts.ttlMs === undefined ? {} : { ttlMs: opts.ttlMs }) });
  t.after(() => mgr.stop());
  return { clock, ca, mgr, ctl };
}

/** Fires the pending timer and waits until the manager has armed its next one (after a failure) or rotated. */
async function fireAndWaitArmed(h: Harness): Promise<number> {
  const armed = once(h.clock.armed, 'armed');
  assert.ok(h.clock.runNext(), 'a timer was pending');
  const [delay] = (await armed) as [number];
  return delay;
}

test('start() obtains a certificate made from a key generated in the sidecar and checked against the trust bundle', async (t) => {
  const h = await harness(t);
  assert.throws(() => h.mgr.current(), CertificateNotReadyError);
  const started = performance.now();
  const bundle = await h.mgr.start();
  t.diagnostic(`start() with an in-process CA: ${(performance.now() - started).toFixed(1)} ms`);
  assert.equal(h.mgr.current(), bundle);
  assert.equal(bundle.spiffeId, ID);
  assert.equal(bundle.trustBundlePem, h.ca.rootCertPem);

  const leaf = new X509Certificate(bundle.certChainPem);
  assert.equal(leaf.subjectAltName, `URI:${ID}`);
  assert.ok(leaf.verify(new X509Certificate(h.ca.rootCertPem).publicKey));
  assert.equal(bundle.notAfter, leaf.validToDate.getTime());
  assert.ok(leaf.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(bundle.keyPem))), 'the key in the bundle is the certified one');
  assert.match(bundle.keyPem, /^-----BEGIN PRIVATE KEY-----/);

  // The next renewal is armed at half the lifetime (jitter pinned to the middle).
  const lifetime = bundle.notAfter - h.clock.now();
  assert.ok(Math.abs(lifetime - 24 * HOUR) <= 1000);
  assert.equal(h.mgr.nextRenewalAt, h.clock.now() + lifetime / 2);
  assert.equal(await h.mgr.start(), bundle, 'start() again is a no-op');
  h.mgr.stop();
  assert.equal(h.clock.pendingCount, 0, 'stop() cancels the renewal timer');
});

test('the private key never leaves the sidecar: the CA sees only a CSR', async (t) => {
  const h = await harness(t);
  const seen: CertificateRequest[] = [];
  h.ctl.answer = (req) => {
    seen.push(req);
    return h.ca.sign(req);
  };
  const bundle = await h.mgr.start();
  assert.equal(seen.length, 1);
  assert.deepEqual(Object.keys(seen[0]!), ['csr']);
  assert.match(seen[0]!.csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
  assert.ok(!JSON.stringify(seen).includes(bundle.keyPem.split('\n')[1]!), 'no key material in the request');
});

test('renews on virtual time at about half the lifetime, with a new key, before expiry; emits rotated', async (t) => {
  const h = await harness(t);
  const first = await h.mgr.start();
  // A listener that throws must not stop rotation or later renewals.
  const rotated = once(h.mgr, 'rotated');
  h.mgr.on('rotated', () => {
    throw new Error('listener bug');
  });
  const renewAt = h.mgr.nextRenewalAt!;
  h.clock.advance(renewAt - h.clock.now() - 1);
  assert.equal(h.ctl.calls, 1, 'nothing happens before the renewal time');
  h.clock.advance(1);
  const [second] = (await rotated) as [CertificateBundle];

  assert.equal(h.ctl.calls, 2);
  assert.ok(h.clock.now() < first.notAfter, 'renewed while the first certificate was still valid');
  assert.equal(h.mgr.current(), second);
  assert.notEqual(second.keyPem, first.keyPem, 'a fresh key per certificate');
  assert.ok(second.notAfter > first.notAfter);
  assert.notEqual(new X509Certificate(second.certChainPem).serialNumber, new X509Certificate(first.certChainPem).serialNumber);
  assert.equal(h.mgr.nextRenewalAt, h.clock.now() + (second.notAfter - h.clock.now()) / 2, 'the next renewal is armed');
});

test('jitter spreads renewals over 45–55 % of the lifetime', async (t) => {
  for (const [random, fraction] of [[0, 0.45], [1 - Number.EPSILON, 0.55]] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'weft-cm-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const clock = new VirtualClock(Date.now());
    const ca = await CertificateAuthority.loadOrCreate({ dir, trustDomain: TD, clock });
    const mgr = new CertificateManager({ spiffeId: ID, request: (req) => ca.sign(req), clock, random: () => random });
    const bundle = await mgr.start();
    const at = (mgr.nextRenewalAt! - clock.now()) / (bundle.notAfter - clock.now());
    mgr.stop();
    assert.ok(Math.abs(at - fraction) < 1e-9, `renewal at ${at} of the lifetime`);
  }
});

test('a failed renewal keeps the current certificate and retries with exponential backoff until it succeeds', async (t) => {
  const h = await harness(t);
  const first = await h.mgr.start();
  h.ctl.failing = 3;

  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    delays.push(await fireAndWaitArmed(h));
    assert.equal(h.mgr.current(), first, 'the valid certificate stays in service');
  }
  // Full jitter pinned at 0.5: half of 1 s, 2 s, 4 s.
  assert.deepEqual(delays, [500, 1000, 2000]);
  assert.equal(h.ctl.calls, 4);

  const rotated = once(h.mgr, 'rotated');
  assert.ok(h.clock.runNext());
  const [second] = (await rotated) as [CertificateBundle];
  assert.equal(h.ctl.calls, 5);
  assert.ok(second.notAfter > first.notAfter);

  // After a success the backoff starts over.
  h.ctl.failing = 1;
  assert.equal(await fireAndWaitArmed(h), 500);
});

test('an answer that fails the checks is a failed renewal too: the current certificate stays', async (t) => {
  const h = await harness(t);
  const first = await h.mgr.start();
  const otherDir = await mkdtemp(join(tmpdir(), 'weft-cm-'));
  t.after(() => rm(otherDir, { recursive: true, force: true }));
  const other = await CertificateAuthority.loadOrCreate({ dir: otherDir, trustDomain: TD, clock: h.clock });
  h.ctl.answer = async (req) => ({ ...(await h.ca.sign(req)), trustBundle: [other.rootCertPem] });
  const delay = await fireAndWaitArmed(h);
  assert.equal(delay, 500);
  assert.equal(h.mgr.current(), first);
  await assert.rejects(h.mgr.renewNow(), (err: unknown) => err instanceof CertificateRejectedError && /does not chain/.test(err.message));
});

test('retries quicken as expiry nears, and a CA that comes back just before expiry is used in time', async (t) => {
  const h = await harness(t, { defaultTtlMs: 60_000 });
  const first = await h.mgr.start();
  h.ctl.failing = Number.MAX_SAFE_INTEGER;

  let retries = 0;
  // Fail until less than 3 s of validity remain (bounded: the schedule converges in a few dozen steps).
  for (let i = 0; i < 100 && first.notAfter - h.clock.now() > 3_000; i++) {
    const delay = await fireAndWaitArmed(h);
    retries++;
    const remaining = first.notAfter - h.clock.now();
    assert.ok(delay <= Math.max(500, remaining / 2), `retry in ${delay} ms with ${remaining} ms left`);
    assert.equal(h.mgr.current(), first);
  }
  assert.ok(first.notAfter - h.clock.now() <= 3_000, 'reached the last seconds of validity');
  assert.ok(retries >= 5, `${retries} retries`);

  h.ctl.failing = 0;
  const rotated = once(h.mgr, 'rotated');
  assert.ok(h.clock.runNext());
  await rotated;
  assert.ok(h.clock.now() < first.notAfter, 'the new certificate arrived before the old one lapsed');
});

test('after expiry, retries continue and the expired bundle is still what current() returns', async (t) => {
  const h = await harness(t, { defaultTtlMs: 60_000 });
  const first = await h.mgr.start();
  h.ctl.failing = Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < 100 && h.clock.now() <= first.notAfter; i++) await fireAndWaitArmed(h);
  assert.ok(h.clock.now() > first.notAfter);
  const delay = await fireAndWaitArmed(h);
  assert.ok(delay > 0 && delay <= 5 * 60_000);
  assert.equal(h.mgr.current(), first);
});

test('start() retries a CA that is not up yet, with backoff on the injected clock', async (t) => {
  const h = await harness(t);
  h.ctl.failing = 2;
  const armed = once(h.clock.armed, 'armed');
  const starting = h.mgr.start();
  assert.equal(((await armed) as [number])[0], 500);
  assert.equal(await fireAndWaitArmed(h), 1000);
  assert.ok(h.clock.runNext());
  const bundle = await starting;
  assert.equal(h.ctl.calls, 3);
  assert.equal(h.mgr.current(), bundle);
});

test('start() gives up after its attempts with WEFT_CERT_UNAVAILABLE naming the cause', async (t) => {
  const h = await harness(t);
  h.ctl.failing = Number.MAX_SAFE_INTEGER;
  const armed = once(h.clock.armed, 'armed');
  const starting = h.mgr.start();
  const outcome = assert.rejects(starting, (err: unknown) => {
    assert.ok(err instanceof CertificateUnavailableError);
    assert.equal(err.code, 'WEFT_CERT_UNAVAILABLE');
    assert.match(err.message, /after 5 attempts: connect ECONNREFUSED/);
    return true;
  });
  await armed;
  for (let i = 0; i < START_ATTEMPTS - 2; i++) await fireAndWaitArmed(h);
  assert.ok(h.clock.runNext());
  await outcome;
  assert.equal(h.ctl.calls, START_ATTEMPTS);
  assert.equal(h.clock.pendingCount, 0);
});

test('stop() during start() ends the wait and rejects with WEFT_CERT_NOT_READY', async (t) => {
  const h = await harness(t);
  h.ctl.failing = 1;
  const armed = once(h.clock.armed, 'armed');
  const starting = h.mgr.start();
  await armed;
  h.mgr.stop();
  await assert.rejects(starting, (err: unknown) => err instanceof CertificateNotReadyError);
  assert.equal(h.clock.pendingCount, 0);
  await assert.rejects(h.mgr.start(), CertificateNotReadyError);
});

test('concurrent renewNow() calls share one request', async (t) => {
  const h = await harness(t);
  await h.mgr.start();
  const [a, b] = await Promise.all([h.mgr.renewNow(), h.mgr.renewNow()]);
  assert.equal(a, b);
  assert.equal(h.ctl.calls, 2);
});

test('checkResponse refuses an answer for another key, another identity, another CA, or outside its validity', async (t) => {
  const h = await harness(t);
  const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const csrFor = async (id: string, keys: webcrypto.CryptoKeyPair): Promise<string> =>
    (await x509.Pkcs10CertificateRequestGenerator.create({ keys, signingAlgorithm: EC, extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: id }])] }, crypto)).toString('pem');
  const keys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const spki = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey));
  const want = { spiffeId: ID, spki, keyPem: 'k', now: h.clock.now() };
  const good = await h.ca.sign({ csr: await csrFor(ID, keys) });
  assert.equal(checkResponse(good, want).spiffeId, ID);

  const reason = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof CertificateRejectedError);
      assert.equal(err.code, 'WEFT_CERT_REJECTED');
      return err.message;
    }
    assert.fail('accepted');
  };
  assert.match(reason(() => checkResponse(good, { ...want, spki: Buffer.from([1, 2, 3]) })), /not for the key/);
  const otherId = await h.ca.sign({ csr: await csrFor('spiffe://cluster.local/ns/default/sa/admin', keys) });
  assert.match(reason(() => checkResponse(otherId, want)), /carries spiffe:\/\/cluster.local\/ns\/default\/sa\/admin, asked for/);

  const otherDir = await mkdtemp(join(tmpdir(), 'weft-cm-'));
  t.after(() => rm(otherDir, { recursive: true, force: true }));
  const other = await CertificateAuthority.loadOrCreate({ dir: otherDir, trustDomain: TD, clock: h.clock });
  assert.match(reason(() => checkResponse({ ...good, trustBundle: [other.rootCertPem] }, want)), /does not chain to any root/);
  const foreign = await other.sign({ csr: await csrFor(ID, keys) });
  assert.match(reason(() => checkResponse({ ...foreign, trustBundle: [h.ca.rootCertPem] }, want)), /does not chain/);
  assert.match(reason(() => checkResponse(good, { ...want, now: want.now + 25 * HOUR })), /not valid now/);
  assert.match(reason(() => checkResponse({ ...good, certChain: [] }, want)), /no certChain/);
  assert.match(reason(() => checkResponse({ ...good, certChain: ['garbage'] }, want)), /not a PEM certificate/);
  assert.match(reason(() => checkResponse({ ...good, trustBundle: undefined } as never, want)), /no trustBundle/);
});

test('an invalid SPIFFE id is refused at construction', () => {
  assert.throws(
    () => new CertificateManager({ spiffeId: 'spiffe://cluster.local/ns/default', request: () => Promise.reject(new Error('unused')) }),
    (err: unknown) => (err as { code?: string }).code === 'WEFT_SPIFFE_ID_INVALID',
  );
});
