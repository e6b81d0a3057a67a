// Tests of the proxy-side checks of the mTLS parts of a ProxyConfig: every cluster transport, inbound modes, TLS origination settings (issue 4, item 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, ProxyConfig } from './proxy-config.ts';
import { validateProxyConfig } from './validate.ts';

const cluster = (over: Record<string, unknown> = {}): Cluster => ({
  name: 'outbound|8080||a.default.svc.cluster.local', service: 'a.default.svc.cluster.local', port: 8080, subset: '', lbPolicy: 'ROUND_ROBIN', transport: 'AUTO',
  endpoints: [{ address: '127.0.0.1', port: 15006, identity: 'spiffe://cluster.local/ns/default/sa/a', workload: 'a-1', labels: {}, mtls: false }],
  ...over,
} as Cluster);

const config = (c: Cluster, inbound: Record<string, unknown> = { ports: [8080] }): ProxyConfig => ({
  version: 'v1',
  trustDomain: 'cluster.local',
  node: { id: 'b.default', workload: 'b', namespace: 'default', service: 'b', serviceAccount: 'b', labels: {} },
  inbound: inbound as unknown as ProxyConfig['inbound'],
  virtualHosts: [],
  clusters: [c],
});

test('every transport is accepted, the old ISTIO_MUTUAL included; others are not', () => {
  for (const transport of ['AUTO', 'ISTIO_MUTUAL', 'DISABLE']) assert.deepEqual(validateProxyConfig(config(cluster({ transport }))), [], transport);
  const tls = { caCertificates: '/ca.pem', sni: 'a.example', subjectAltNames: ['a.example'], insecureSkipVerify: false };
  for (const transport of ['SIMPLE', 'MUTUAL']) assert.deepEqual(validateProxyConfig(config(cluster({ transport, tls }))), [], transport);
  assert.match(validateProxyConfig(config(cluster({ transport: 'PLAIN' })))[0] ?? '', /clusters\[0\]\.transport: unsupported transport PLAIN/);
  assert.match(validateProxyConfig(config(cluster({ transport: 'SIMPLE', tls: { ...tls, sni: '' } })))[0] ?? '', /clusters\[0\]\.tls\.sni: not a non-empty string/);
  assert.match(validateProxyConfig(config(cluster({ transport: 'SIMPLE', tls: { sni: 'x' } })))[0] ?? '', /tls\.subjectAltNames: not a list of strings/);
});

test('inbound mtls: a known mode, port modes as { port, mode }', () => {
  assert.deepEqual(validateProxyConfig(config(cluster(), { ports: [8080], mtls: { mode: 'STRICT', portModes: [{ port: 9090, mode: 'DISABLE' }] } })), []);
  assert.match(validateProxyConfig(config(cluster(), { ports: [8080], mtls: { mode: 'UNSET' } }))[0] ?? '', /inbound\.mtls\.mode: unknown mode UNSET/);
  assert.match(validateProxyConfig(config(cluster(), { ports: [8080], mtls: { mode: 'STRICT', portModes: [{ port: 0, mode: 'DISABLE' }] } }))[0] ?? '', /inbound\.mtls\.portModes\[0\]: not a \{ port, mode \}/);
});
