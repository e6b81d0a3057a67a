// The sync-state rule and the proxy-status rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeInfo } from '../../model/proxy-config.ts';
import type { Workload } from '../compile/input.ts';
import { ProxyStatusBook, syncStateOf } from './status.ts';

const node: NodeInfo = { id: 'u1.default', workload: 'u1', namespace: 'default', service: 'user-service', serviceAccount: 'user-service', labels: { app: 'user-service', version: 'v2' } };
const w: Workload = { name: 'u1', namespace: 'default', service: 'user-service', labels: node.labels, serviceAccount: 'user-service', address: '127.0.0.1', ports: [{ port: 8080, targetPort: 1, protocol: 'http' }] };
const T = Date.UTC(2025, 0, 1);

describe('syncStateOf', () => {
  const base = { connected: true, sentVersion: 'v2', ackedVersion: 'v1', nack: null };
  it('reads SYNCED, STALE, NACKED, NOT SENT and DISCONNECTED', () => {
    assert.equal(syncStateOf({ ...base, ackedVersion: 'v2' }), 'SYNCED');
    assert.equal(syncStateOf(base), 'STALE');
    assert.equal(syncStateOf({ ...base, nack: { version: 'v2', reason: 'bad' } }), 'NACKED');
    assert.equal(syncStateOf({ ...base, nack: { version: 'v1', reason: 'old' } }), 'STALE', 'a NACK of a superseded version does not count');
    assert.equal(syncStateOf({ ...base, sentVersion: null }), 'NOT SENT');
    assert.equal(syncStateOf({ ...base, connected: false }), 'DISCONNECTED');
    assert.equal(syncStateOf({ ...base, connected: false, sentVersion: null }), 'NOT SENT');
  });
});

describe('ProxyStatusBook', () => {
  it('walks a proxy through sent, NACK, ACK and disconnect', () => {
    const book = new ProxyStatusBook();
    book.connected(node, T);
    book.sent(node.id, 'a');
    assert.equal(book.list([], 10_000, T)[0]?.state, 'STALE');
    assert.ok(book.acked(node.id, { version: 'a' }, T));
    book.sent(node.id, 'b');
    book.acked(node.id, { version: 'b', error: 'cluster x has no endpoints' }, T);
    const nacked = book.list([], 10_000, T)[0];
    assert.equal(nacked?.state, 'NACKED');
    assert.equal(nacked?.nackReason, 'cluster x has no endpoints');
    assert.equal(nacked?.ackedVersion, 'a', 'the proxy still runs the last version it accepted');
    assert.equal(nacked?.version, 'v2');
    book.sent(node.id, 'c');
    book.acked(node.id, { version: 'c' }, T);
    const synced = book.list([], 10_000, T)[0];
    assert.equal(synced?.state, 'SYNCED');
    assert.equal(synced?.nackReason, undefined);
    book.disconnected(node.id, T + 5);
    assert.deepEqual(book.list([], 10_000, T + 100), [], 'a disconnected proxy whose workload left is not listed');
    const row = book.list([{ workload: w, leaseExpiresAt: T + 1 }], 10_000, T + 100)[0];
    assert.equal(row?.state, 'DISCONNECTED');
    assert.equal(row?.lastSeen, new Date(T + 5).toISOString());
  });

  it('lists a registered workload that never connected as NOT SENT, and refuses its ACK', () => {
    const book = new ProxyStatusBook();
    const rows = book.list([{ workload: w, leaseExpiresAt: T + 10_000 }], 10_000, T + 3);
    assert.deepEqual(rows, [{
      id: 'u1.default', workload: 'u1', namespace: 'default', service: 'user-service', version: 'v2',
      connected: false, sentVersion: null, ackedVersion: null, state: 'NOT SENT', lastSeen: new Date(T).toISOString(),
    }]);
    assert.equal(book.acked('u1.default', { version: 'x' }, T), false);
  });
});
