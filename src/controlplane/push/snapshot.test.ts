// Config versions: content-addressed, key-order blind, short.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, configVersion, snapshotOf, type CompiledConfig } from './snapshot.ts';

const base: CompiledConfig = {
  node: { id: 'u1.default', workload: 'u1', namespace: 'default', service: 'user-service', serviceAccount: 'user-service', labels: { app: 'user-service', version: 'v1' } },
  trustDomain: 'cluster.local',
  virtualHosts: [],
  clusters: [],
  inbound: { ports: [8080] },
};

describe('config snapshots', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives equal content the same version whatever the key order, and different content another', () => {
    const reordered = { inbound: { ports: [8080] }, clusters: [], virtualHosts: [], trustDomain: 'cluster.local', node: { ...base.node } };
    assert.equal(configVersion(reordered), configVersion(base));
    assert.notEqual(configVersion({ ...base, inbound: { ports: [9090] } }), configVersion(base));
    assert.match(configVersion(base), /^[0-9a-f]{16}$/);
  });

  it('ignores a version field already present and stamps the content version', () => {
    const s = snapshotOf(base);
    assert.equal(s.version, configVersion(base));
    assert.equal(snapshotOf(s).version, s.version);
  });
});
