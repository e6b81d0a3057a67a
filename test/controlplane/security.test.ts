// Issue 4 against a real control plane: every route class refuses callers without the right credential — CSRs and registrations are bound to the join token's identity, the push stream to the workload's client certificate, the CLI API to the admin token — and the credentials persist with owner-only modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningControlPlane } from '../../src/controlplane/main.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startProxy } from '../../src/proxy/main.ts';
import { createCsr, generateWorkloadKey } from '../../src/proxy/transport/csr.ts';
import { CANARY_YAML, StreamClient, call, registration, start, tempStateDir, workloadCert } from './harness.ts';

const ORDER_ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const PAYMENT_ID = 'spiffe://cluster.local/ns/default/sa/payment-service';

function csrFor(uri: string): string {
  return createCsr(generateWorkloadKey(), uri);
}

describe('control plane access (issue 4)', () => {
  let t: Awaited<ReturnType<typeof tempStateDir>>;
  let cp: RunningControlPlane;

  before(async () => {
    t = await tempStateDir();
    cp = await start(t.dir);
  });
  after(async () => {
    await cp.close();
    await t.remove();
  });

  describe('certificates: a join token obtains a certificate for its own identity only', () => {
    it('signs a CSR for the token\'s identity', async () => {
      const r = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(ORDER_ID) }, { bearer: cp.mintJoinToken('default', 'order-service') });
      assert.equal(r.status, 200, r.text);
    });

    it('refuses a CSR for another SPIFFE id with a valid token: 403', async () => {
      const r = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(PAYMENT_ID) }, { bearer: cp.mintJoinToken('default', 'order-service') });
      assert.equal(r.status, 403);
      assert.equal(r.json.error.code, 'WEFT_AUTH_FORBIDDEN');
      assert.match(r.json.error.message, /asks for spiffe:\/\/cluster\.local\/ns\/default\/sa\/payment-service.*order-service/);
    });

    it('refuses a CSR for another identity from a workload that already holds a certificate', async () => {
      const r = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(PAYMENT_ID) }, { cert: await workloadCert(cp.url, 'default', 'order-service') });
      assert.equal(r.status, 403);
      assert.equal(r.json.error.code, 'WEFT_AUTH_FORBIDDEN');
    });

    it('refuses a CSR with no token, an expired token or a forged one: 401', async () => {
      const none = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(ORDER_ID) }, 'none');
      assert.equal(none.status, 401);
      assert.equal(none.json.error.code, 'WEFT_AUTH_REQUIRED');
      assert.match(none.json.error.message, /weft token create/);

      const expired = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(ORDER_ID) }, { bearer: cp.mintJoinToken('default', 'order-service', -1000) });
      assert.equal(expired.status, 401);
      assert.equal(expired.json.error.code, 'WEFT_AUTH_INVALID');
      assert.match(expired.json.error.message, /expired/);

      // The claims rewritten to another identity: the signature no longer matches.
      const [prefix, , mac] = cp.mintJoinToken('default', 'order-service').split('.');
      const claims = Buffer.from(JSON.stringify({ ns: 'default', sa: 'payment-service', exp: Date.now() + 60_000, ca: 'x', n: 'y' })).toString('base64url');
      const forged = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(PAYMENT_ID) }, { bearer: `${prefix}.${claims}.${mac}` });
      assert.equal(forged.status, 401);
      assert.equal(forged.json.error.code, 'WEFT_AUTH_INVALID');
      assert.match(forged.json.error.message, /signature/);

      const admin = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(ORDER_ID) }, { bearer: cp.adminToken });
      assert.equal(admin.status, 401, 'the admin token is not a workload credential: mint a join token');
    });

    it('a sidecar started with one identity and a token for another gets no certificate', async () => {
      await assert.rejects(
        startProxy({
          controlPlane: cp.url, controlPlaneCa: cp.rootCertPem, joinToken: cp.mintJoinToken('default', 'order-service'),
          workload: 'payments-0', namespace: 'default', service: 'payment-service', serviceAccount: 'payment-service',
          labels: { app: 'payment-service' }, servicePort: 8080, appPort: 1, logger: silentLogger, accessLog: null, startTimeoutMs: 3_000,
        }),
        /certificate|403|within/,
      );
    });
  });

  describe('registration', () => {
    it('registers only under the token\'s namespace and service account', async () => {
      const token = { bearer: cp.mintJoinToken('default', 'order-service') };
      assert.equal((await call(cp.url, 'POST', '/v1/workloads', registration('orders-v1'), token)).status, 200);
      const otherSa = await call(cp.url, 'POST', '/v1/workloads', registration('users-v1', { service: 'user-service' }), token);
      assert.equal(otherSa.status, 403);
      assert.equal(otherSa.json.error.code, 'WEFT_AUTH_FORBIDDEN');
      const otherNs = await call(cp.url, 'POST', '/v1/workloads', registration('orders-v9', { namespace: 'shop' }), token);
      assert.equal(otherNs.status, 403);
      assert.equal((await call(cp.url, 'POST', '/v1/workloads', registration('orders-v2'), 'none')).status, 401);
    });

    it('renews and deregisters only with the workload\'s own certificate', async () => {
      const mine = { cert: await workloadCert(cp.url, 'default', 'order-service') };
      const theirs = { cert: await workloadCert(cp.url, 'default', 'user-service') };
      assert.equal((await call(cp.url, 'PUT', '/v1/workloads/default/orders-v1/lease', undefined, 'none')).status, 401);
      assert.equal((await call(cp.url, 'PUT', '/v1/workloads/default/orders-v1/lease', undefined, { bearer: cp.mintJoinToken('default', 'order-service') })).status, 401, 'a token is not a client certificate');
      assert.equal((await call(cp.url, 'PUT', '/v1/workloads/default/orders-v1/lease', undefined, theirs)).status, 403);
      assert.equal((await call(cp.url, 'DELETE', '/v1/workloads/default/orders-v1', undefined, theirs)).status, 403);
      assert.equal((await call(cp.url, 'PUT', '/v1/workloads/default/orders-v1/lease', undefined, mine)).status, 200);
    });
  });

  describe('push stream over mTLS', () => {
    it('refuses a client without a certificate, or with another workload\'s', async () => {
      const none = await StreamClient.open(cp.url, 'orders-v1.default', 'none');
      await none.waitEnd();
      assert.equal(none.status, 401);
      assert.equal(none.errorBody?.error?.code, 'WEFT_AUTH_REQUIRED');

      const other = await StreamClient.open(cp.url, 'orders-v1.default', { cert: await workloadCert(cp.url, 'default', 'user-service') });
      await other.waitEnd();
      assert.equal(other.status, 403);
      assert.equal(other.errorBody?.error?.code, 'WEFT_AUTH_FORBIDDEN');

      const ack = await call(cp.url, 'POST', '/v1/proxies/orders-v1.default/ack', { version: 'x' }, { cert: await workloadCert(cp.url, 'default', 'user-service') });
      assert.equal(ack.status, 403);
    });

    it('serves the workload\'s own certificate', async () => {
      const s = await StreamClient.open(cp.url, 'orders-v1.default', { cert: await workloadCert(cp.url, 'default', 'order-service') });
      try {
        assert.equal(s.status, 200);
        assert.equal((await s.nextSnapshot(10_000)).type, 'snapshot');
      } finally {
        s.close();
      }
    });
  });

  describe('admin routes', () => {
    it('refuse a caller without the admin token, with a wrong one, or with a join token', async () => {
      for (const auth of ['none', { bearer: 'weft-admin-wrong' }, { bearer: cp.mintJoinToken('default', 'order-service') }] as const) {
        const r = await call(cp.url, 'POST', '/v1/apply', { sources: [{ name: 'canary.yaml', text: CANARY_YAML }] }, auth);
        assert.equal(r.status, 401, JSON.stringify(auth));
        assert.match(r.json.error.code, /^WEFT_AUTH_(REQUIRED|INVALID)$/);
        assert.match(r.json.error.message, /admin token/);
        assert.equal(r.headers['www-authenticate'], 'Bearer realm="weft"');
      }
      for (const path of ['/v1/resources', '/v1/workloads', '/v1/proxies', '/healthz']) {
        assert.equal((await call(cp.url, 'GET', path, undefined, 'none')).status, 401, path);
      }
      assert.equal((await call(cp.url, 'POST', '/v1/tokens', { namespace: 'default', serviceAccount: 'x' }, 'none')).status, 401);
      assert.equal((await call(cp.url, 'GET', '/v1/resources', undefined, { bearer: cp.adminToken })).status, 200);
    });

    it('serve the mesh root (public) for pinning by the join token\'s hash', async () => {
      const r = await call(cp.url, 'GET', '/v1/root', undefined, 'none');
      assert.equal(r.status, 200);
      assert.equal(r.json.rootCertPem, cp.rootCertPem);
      assert.match(r.json.caHash, /^[0-9a-f]{64}$/);
    });

    it('mints join tokens through POST /v1/tokens', async () => {
      const r = await call(cp.url, 'POST', '/v1/tokens', { namespace: 'default', serviceAccount: 'order-service', ttlMs: 60_000 });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.spiffeId, ORDER_ID);
      const signed = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(ORDER_ID) }, { bearer: r.json.token });
      assert.equal(signed.status, 200);
      assert.equal((await call(cp.url, 'POST', '/v1/tokens', { namespace: 'Bad_NS', serviceAccount: 'x' })).status, 400);
    });
  });

  it('keeps its credentials owner-only, and the same after a restart', async () => {
    assert.equal((await stat(cp.stateDir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(cp.stateDir, 'admin-token'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(cp.stateDir, 'join-token.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(cp.rootCertFile)).mode & 0o777, 0o644);
    assert.equal((await readFile(join(cp.stateDir, 'admin-token'), 'utf8')).trim(), cp.adminToken);
    const token = cp.mintJoinToken('default', 'order-service');
    await cp.close();
    cp = await start(t.dir);
    assert.equal((await readFile(join(t.dir, 'admin-token'), 'utf8')).trim(), cp.adminToken);
    const r = await call(cp.url, 'POST', '/v1/certificates', { csr: csrFor(ORDER_ID) }, { bearer: token });
    assert.equal(r.status, 200, 'a join token survives a restart');
  });
});
