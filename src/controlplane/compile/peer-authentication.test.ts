// Tests of PeerAuthentication scope resolution (mesh → namespace → workload → port, UNSET inherits) and of its two outputs: the inbound mode and auto mTLS on endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerAuthenticationSpec } from '../../api/kinds/peer-authentication/types.ts';
import type { PeerAuthentication } from '../../api/resource.ts';
import { compile } from './index.ts';
import { modeForPort, resolvePeerAuthentication, type PeerAuthnSubject } from './peer-authentication.ts';
import { destinationRule, input, proxyOf, service, workload } from './test-fixtures.ts';

function pa(name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication {
  return { apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}

const ROOT = 'istio-system';
const payments: PeerAuthnSubject = { namespace: 'default', labels: { app: 'payment-service', version: 'v1' } };
const mesh = (mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET') => pa('default', ROOT, { mtls: { mode } });
const ns = (mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET', namespace = 'default') => pa('default', namespace, { mtls: { mode } });
const resolve = (policies: PeerAuthentication[], subject = payments, root = ROOT) => resolvePeerAuthentication(policies, subject, root);

test('no policy at all: PERMISSIVE, Istio\'s default', () => {
  assert.deepEqual(resolve([]), { mode: 'PERMISSIVE' });
  assert.equal(modeForPort(undefined, 8080), 'PERMISSIVE');
});

test('mesh-wide in the root namespace, overridden by namespace-wide, overridden by workload', () => {
  assert.deepEqual(resolve([mesh('STRICT')]), { mode: 'STRICT' });
  assert.deepEqual(resolve([mesh('STRICT'), ns('PERMISSIVE')]), { mode: 'PERMISSIVE' });
  const wl = pa('payments', 'default', { selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'DISABLE' } });
  assert.deepEqual(resolve([mesh('STRICT'), ns('PERMISSIVE'), wl]), { mode: 'DISABLE' });
  // The workload policy selects by labels: another workload keeps the namespace's mode.
  assert.deepEqual(resolve([mesh('STRICT'), ns('PERMISSIVE'), wl], { namespace: 'default', labels: { app: 'user-service' } }), { mode: 'PERMISSIVE' });
});

test('the root namespace is configurable; other namespaces\' policies never apply', () => {
  assert.deepEqual(resolve([pa('default', 'mesh-root', { mtls: { mode: 'STRICT' } })], payments, 'mesh-root'), { mode: 'STRICT' });
  assert.deepEqual(resolve([pa('default', 'mesh-root', { mtls: { mode: 'STRICT' } })]), { mode: 'PERMISSIVE' });
  assert.deepEqual(resolve([ns('STRICT', 'shop')]), { mode: 'PERMISSIVE' });
  const foreign = pa('p', 'shop', { selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'STRICT' } });
  assert.deepEqual(resolve([foreign]), { mode: 'PERMISSIVE' });
});

test('a policy with a selector in the root namespace applies to nothing (as in Istio)', () => {
  const rootSelector = pa('p', ROOT, { selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'STRICT' } });
  assert.deepEqual(resolve([rootSelector]), { mode: 'PERMISSIVE' });
});

test('UNSET (or no mtls) inherits the wider scope', () => {
  assert.deepEqual(resolve([mesh('STRICT'), ns('UNSET')]), { mode: 'STRICT' });
  assert.deepEqual(resolve([mesh('DISABLE'), pa('default', 'default', {})]), { mode: 'DISABLE' });
  const wl = pa('payments', 'default', { selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'UNSET' } });
  assert.deepEqual(resolve([ns('STRICT'), wl]), { mode: 'STRICT' });
});

test('portLevelMtls overrides per port; UNSET on a port inherits the workload\'s resolved mode; sorted by port', () => {
  const wl = pa('payments', 'default', {
    selector: { matchLabels: { app: 'payment-service' } },
    portLevelMtls: { 9090: { mode: 'DISABLE' }, 8443: { mode: 'UNSET' }, 8080: { mode: 'PERMISSIVE' } },
  });
  const r = resolve([mesh('STRICT'), wl]);
  assert.deepEqual(r, { mode: 'STRICT', portModes: [{ port: 8080, mode: 'PERMISSIVE' }, { port: 8443, mode: 'STRICT' }, { port: 9090, mode: 'DISABLE' }] });
  assert.equal(modeForPort(r, 9090), 'DISABLE');
  assert.equal(modeForPort(r, 8443), 'STRICT');
  assert.equal(modeForPort(r, 7000), 'STRICT');
});

test('two policies at one level: the first by name counts (Istio: the oldest)', () => {
  assert.deepEqual(resolve([pa('zz', 'default', { mtls: { mode: 'DISABLE' } }), pa('aa', 'default', { mtls: { mode: 'STRICT' } })]), { mode: 'STRICT' });
  assert.deepEqual(resolve([pa('aa', 'default', { mtls: { mode: 'STRICT' } }), pa('zz', 'default', { mtls: { mode: 'DISABLE' } })]), { mode: 'STRICT' });
});

const order = workload('order-1', 'order-service', 'v1');
const pay = workload('payment-1', 'payment-service', 'v1', { ports: [[8080, 15006], [9090, 15007]] });
const services = [service('order-service', [8080]), service('payment-service', [8080, 9090])];

test('compile: the inbound side carries the own workload\'s mode; left out when it is the default', () => {
  const none = compile(input({ proxy: proxyOf(pay), services, workloads: [order, pay] }));
  assert.equal(none.inbound.mtls, undefined);
  const strict = compile(input({ proxy: proxyOf(pay), services, workloads: [order, pay], peerAuthentications: [ns('STRICT')] }));
  assert.deepEqual(strict.inbound.mtls, { mode: 'STRICT' });
});

test('compile: auto mTLS marks endpoints whose mode on that service port is DISABLE; a DestinationRule tls mode overrides', () => {
  const wl = pa('payments', 'default', { selector: { matchLabels: { app: 'payment-service' } }, portLevelMtls: { 9090: { mode: 'DISABLE' } } });
  const out = compile(input({ proxy: proxyOf(order), services, workloads: [order, pay], peerAuthentications: [mesh('STRICT'), wl] }));
  const cluster = (name: string) => out.clusters.find((c) => c.name === name)!;
  const p8080 = cluster('outbound|8080||payment-service.default.svc.cluster.local');
  const p9090 = cluster('outbound|9090||payment-service.default.svc.cluster.local');
  assert.equal(p8080.transport, 'AUTO');
  assert.deepEqual(p8080.endpoints.map((e) => e.mtls), [undefined]);
  assert.deepEqual(p9090.endpoints.map((e) => [e.port, e.mtls]), [[15007, false]]);

  const dr = destinationRule('payments', {
    host: 'payment-service',
    trafficPolicy: { tls: { mode: 'DISABLE' }, portLevelSettings: [{ port: { number: 9090 }, tls: { mode: 'ISTIO_MUTUAL' } }] },
    subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: '/etc/ca.pem', sni: 'pay.example', subjectAltNames: ['pay.example'] } } }],
  });
  const withDr = compile(input({ proxy: proxyOf(order), services, workloads: [order, pay], destinationRules: [dr] }));
  const c = (name: string) => withDr.clusters.find((x) => x.name === name)!;
  assert.equal(c('outbound|8080||payment-service.default.svc.cluster.local').transport, 'DISABLE');
  assert.equal(c('outbound|9090||payment-service.default.svc.cluster.local').transport, 'ISTIO_MUTUAL');
  const v1 = c('outbound|8080|v1|payment-service.default.svc.cluster.local');
  assert.equal(v1.transport, 'SIMPLE');
  assert.deepEqual(v1.tls, { caCertificates: '/etc/ca.pem', sni: 'pay.example', subjectAltNames: ['pay.example'], insecureSkipVerify: false });
  assert.equal(c('outbound|8080||order-service.default.svc.cluster.local').transport, 'AUTO');
});
