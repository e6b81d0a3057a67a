// The control plane's HTTP API over a real socket: routing, body limits, error bodies, apply/get/delete/analyze, workloads, certificates.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { crypto, x509 } from '../../src/lib/x509.ts';
import type { RunningControlPlane } from '../../src/controlplane/main.ts';
import { CANARY_YAML, StreamClient, applyYaml, call, registration, start, tempStateDir } from './harness.ts';

const BAD_WEIGHTS = CANARY_YAML.replace('weight: 10   #', 'weight: 0   #');

describe('control plane HTTP API', () => {
  let cp: RunningControlPlane;
  let remove: () => Promise<void>;
  before(async () => {
    const t = await tempStateDir();
    remove = t.remove;
    cp = await start(t.dir);
  });
  after(async () => {
    await cp.close();
    await remove();
  });

  describe('routing and bodies', () => {
    it('answers /healthz with the version and the store revision', async () => {
      const r = await call(cp.url, 'GET', '/healthz');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(r.json, { ok: true, version: '0.1.0', revision: 0 });
    });

    it('answers an unknown path with 404 and a WEFT_* error body', async () => {
      const r = await call(cp.url, 'GET', '/v2/nothing');
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, 'WEFT_HTTP_NOT_FOUND');
      assert.match(r.json.error.message, /GET \/v2\/nothing/);
      assert.deepEqual(Object.keys(r.json), ['error']);
    });

    it('answers a wrong method with 405 and Allow', async () => {
      const r = await call(cp.url, 'DELETE', '/v1/apply');
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, 'POST');
      assert.equal(r.json.error.code, 'WEFT_HTTP_METHOD_NOT_ALLOWED');
    });

    it('answers malformed JSON with 400 saying what to send', async () => {
      const r = await call(cp.url, 'POST', '/v1/apply', '{"sources": [');
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'WEFT_HTTP_BAD_JSON');
      assert.match(r.json.error.message, /not valid JSON .*send an ApplyRequest/);
    });

    it('answers an empty body with 400', async () => {
      const r = await call(cp.url, 'POST', '/v1/workloads', '');
      assert.equal(r.status, 400);
      assert.match(r.json.error.message, /empty; send a WorkloadRegistration/);
    });

    it('answers a body of the wrong shape with 400 naming the fields', async () => {
      const r = await call(cp.url, 'POST', '/v1/apply', { files: [] });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'WEFT_HTTP_BAD_REQUEST');
      assert.match(r.json.error.message, /sources: /);
    });

    it('answers a body over 4 MiB with 413 and applies nothing', async () => {
      const huge = { sources: [{ name: 'big.yaml', text: `# ${'x'.repeat(4 * 1024 * 1024)}` }] };
      const r = await call(cp.url, 'POST', '/v1/apply', huge);
      assert.equal(r.status, 413);
      assert.equal(r.json.error.code, 'WEFT_HTTP_BODY_TOO_LARGE');
      assert.equal((await call(cp.url, 'GET', '/healthz')).json.revision, 0);
    });
  });

  describe('resources', () => {
    it('applies the seed canary YAML and returns it through GET /v1/resources', async () => {
      const r = await applyYaml(cp.url, CANARY_YAML);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.ok, true);
      assert.deepEqual(r.json.errors, []);
      assert.deepEqual(r.json.results.map((x: { kind: string; action: string }) => `${x.kind}:${x.action}`), ['VirtualService:created', 'DestinationRule:created']);
      assert.equal(r.json.revision, 1);

      const vs = await call(cp.url, 'GET', '/v1/resources?kind=VirtualService');
      assert.equal(vs.status, 200);
      assert.equal(vs.json.items.length, 1);
      const item = vs.json.items[0];
      assert.equal(item.apiVersion, 'networking.istio.io/v1beta1');
      assert.deepEqual(item.metadata, { name: 'order-service', namespace: 'default' });
      assert.deepEqual(item.spec.http[1].route.map((d: { weight: number }) => d.weight), [90, 10]);
      assert.equal(item.spec.http[0].match[0].headers['user-type'].exact, 'beta');

      const byName = await call(cp.url, 'GET', '/v1/resources?kind=destinationrule&namespace=default&name=order-service');
      assert.deepEqual(byName.json.items.map((x: { spec: { subsets: { name: string }[] } }) => x.spec.subsets.map((s) => s.name)), [['v1', 'v2']]);
      assert.deepEqual((await call(cp.url, 'GET', '/v1/resources?kind=VirtualService&namespace=other')).json.items, []);
      assert.equal((await call(cp.url, 'GET', '/v1/resources')).json.items.length, 2);
    });

    it('reports the same YAML applied again as unchanged, at the same revision', async () => {
      const r = await applyYaml(cp.url, CANARY_YAML);
      assert.deepEqual(r.json.results.map((x: { action: string }) => x.action), ['unchanged', 'unchanged']);
      assert.equal(r.json.revision, 1);
    });

    it('rejects an apply with an error with 400, the located error, and changes nothing', async () => {
      const extra = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: extra\nspec:\n  host: user-service\n';
      const r = await call(cp.url, 'POST', '/v1/apply', { sources: [{ name: 'extra.yaml', text: extra }, { name: 'canary.yaml', text: BAD_WEIGHTS }] });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.ok, false);
      assert.equal(r.json.error.code, 'WEFT_APPLY_INVALID');
      assert.match(r.json.error.message, /nothing was applied/);
      assert.deepEqual(r.json.results, []);
      assert.equal(r.json.revision, 1);
      const issue = r.json.errors[0];
      assert.equal(issue.file, 'canary.yaml');
      assert.ok(issue.line > 0);
      assert.match(issue.path, /^spec\.http\[1\]\.route/);
      const after = await call(cp.url, 'GET', '/v1/resources');
      assert.equal(after.json.items.length, 2, 'the valid document of the rejected request was not stored either');
      assert.equal((await call(cp.url, 'GET', '/healthz')).json.revision, 1);
    });

    it('analyzes without changing anything and says what an apply would do', async () => {
      const ok = await applyYaml(cp.url, CANARY_YAML.replace('weight: 90', 'weight: 80').replace('weight: 10   #', 'weight: 20   #'), 'canary.yaml', '/v1/analyze');
      assert.equal(ok.status, 200);
      assert.equal(ok.json.ok, true);
      assert.deepEqual(ok.json.results.map((x: { action: string }) => x.action), ['configured', 'unchanged']);
      const bad = await applyYaml(cp.url, BAD_WEIGHTS, 'canary.yaml', '/v1/analyze');
      assert.equal(bad.status, 200);
      assert.equal(bad.json.ok, false);
      assert.ok(bad.json.errors.length > 0);
      assert.equal((await call(cp.url, 'GET', '/healthz')).json.revision, 1);
      const vs = await call(cp.url, 'GET', '/v1/resources?kind=VirtualService');
      assert.deepEqual(vs.json.items[0].spec.http[1].route.map((d: { weight: number }) => d.weight), [90, 10]);
    });

    it('deletes what the YAML names and reports what was not there', async () => {
      const r = await applyYaml(cp.url, CANARY_YAML, 'canary.yaml', '/v1/delete');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.results.map((x: { action: string }) => x.action), ['deleted', 'deleted']);
      assert.equal(r.json.revision, 2);
      assert.deepEqual((await call(cp.url, 'GET', '/v1/resources')).json.items, []);
      const again = await applyYaml(cp.url, CANARY_YAML, 'canary.yaml', '/v1/delete');
      assert.deepEqual(again.json.results.map((x: { action: string }) => x.action), ['not-found', 'not-found']);
      assert.equal(again.json.revision, 2);
    });
  });

  describe('workloads', () => {
    it('registers, lists, renews and deregisters a workload', async () => {
      const w = registration('orders-v1-aaaa');
      const reg = await call(cp.url, 'POST', '/v1/workloads', w);
      assert.equal(reg.status, 200, reg.text);
      assert.deepEqual(reg.json, { leaseTtlMs: 10_000 });
      const list = await call(cp.url, 'GET', '/v1/workloads');
      assert.equal(list.json.workloads.length, 1);
      const row = list.json.workloads[0];
      assert.equal(row.name, 'orders-v1-aaaa');
      assert.deepEqual(row.ports, [{ port: 8080, targetPort: w.ports[0]?.targetPort, protocol: 'http' }]);
      assert.ok(Date.parse(row.leaseExpiresAt) > Date.now());
      assert.equal((await call(cp.url, 'PUT', '/v1/workloads/default/orders-v1-aaaa/lease')).status, 200);
      const proxies = await call(cp.url, 'GET', '/v1/proxies');
      assert.deepEqual(proxies.json.proxies.map((p: { id: string; state: string }) => `${p.id}:${p.state}`), ['orders-v1-aaaa.default:NOT SENT']);
      assert.equal((await call(cp.url, 'DELETE', '/v1/workloads/default/orders-v1-aaaa')).status, 204);
      assert.deepEqual((await call(cp.url, 'GET', '/v1/workloads')).json.workloads, []);
      assert.equal((await call(cp.url, 'DELETE', '/v1/workloads/default/orders-v1-aaaa')).status, 204, 'deregistration is idempotent');
    });

    it('answers a renewal of an unknown workload with 404 telling it to register again', async () => {
      const r = await call(cp.url, 'PUT', '/v1/workloads/default/ghost/lease');
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, 'WEFT_WORKLOAD_UNKNOWN');
      assert.match(r.json.error.message, /register it again with POST \/v1\/workloads/);
    });

    it('rejects a registration with bad fields, naming each', async () => {
      const r = await call(cp.url, 'POST', '/v1/workloads', { ...registration('Bad.Name'), ports: [{ port: 0, targetPort: 1, protocol: 'tcp' }] });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'WEFT_HTTP_BAD_REQUEST');
      assert.match(r.json.error.message, /name: must be a lower-case DNS label/);
      assert.match(r.json.error.message, /ports\.0\.port/);
      assert.match(r.json.error.message, /ports\.0\.protocol/);
    });

    it('answers a stream or an ACK for an unknown proxy with 404', async () => {
      const s = await StreamClient.open(cp.url, 'ghost.default');
      await s.waitEnd();
      assert.equal(s.status, 404);
      assert.equal(s.errorBody.error.code, 'WEFT_PROXY_UNKNOWN');
      const ack = await call(cp.url, 'POST', '/v1/proxies/ghost.default/ack', { version: 'abc' });
      assert.equal(ack.status, 404);
      assert.equal(ack.json.error.code, 'WEFT_PROXY_UNKNOWN');
    });
  });

  describe('certificates', () => {
    it('signs a CSR into a SPIFFE certificate under the persisted root', async () => {
      const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
      const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const id = 'spiffe://cluster.local/ns/default/sa/order-service';
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({ keys, signingAlgorithm: alg, extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: id }])] }, crypto);
      const r = await call(cp.url, 'POST', '/v1/certificates', { csr: csr.toString('pem') });
      assert.equal(r.status, 200, r.text);
      const leaf = new X509Certificate(r.json.certChain[0]);
      const root = new X509Certificate(r.json.trustBundle[0]);
      assert.equal(leaf.subjectAltName, `URI:${id}`);
      assert.ok(leaf.verify(root.publicKey));
      assert.equal(Date.parse(r.json.notAfter), leaf.validToDate.getTime());
    });

    it('answers a CSR the CA refuses with 400 and the CA code', async () => {
      const r = await call(cp.url, 'POST', '/v1/certificates', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----\n' });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'WEFT_CA_BAD_CSR');
    });
  });
});
