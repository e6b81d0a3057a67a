// The authenticator per access class, on fake requests: admin needs the admin token; workload takes a join token (or a verified mesh certificate) and binds the caller to it; proxy needs the certificate of the workload the URL names; public needs nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { systemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { createRootPems } from '../ca/root.ts';
import { HttpError } from '../http-api/errors.ts';
import { Authenticator } from './authenticate.ts';
import { JoinTokenIssuer } from './join-token.ts';

const { certPem } = await createRootPems({ trustDomain: 'cluster.local', now: Date.now() });
const ADMIN = `weft-admin-${randomBytes(32).toString('base64url')}`;
const tokens = new JoinTokenIssuer(randomBytes(32), certPem);
const registered = new Map([['default/orders-v1', { namespace: 'default', serviceAccount: 'order-service' }]]);
const auth = new Authenticator({
  adminToken: ADMIN,
  joinTokens: tokens,
  trustDomain: 'cluster.local',
  workload: (ns, name) => registered.get(`${ns}/${name}`),
  clock: systemClock,
  logger: silentLogger,
});

/** A request as the server sees it: headers, and a TLS socket with (or without) a verified peer certificate. */
function req(o: { authorization?: string; peer?: string | null; authorized?: boolean } = {}): IncomingMessage {
  const socket = {
    remoteAddress: '127.0.0.1',
    authorized: o.authorized ?? true,
    authorizationError: o.authorized === false ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : null,
    getPeerCertificate: () => (o.peer == null ? {} : { subjectaltname: `URI:${o.peer}` }),
  };
  return { method: 'GET', url: '/x', headers: o.authorization === undefined ? {} : { authorization: o.authorization }, socket } as unknown as IncomingMessage;
}

function refusal(fn: () => unknown): { status: number; code: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError);
    return { status: err.status, code: err.code };
  }
  throw new Error('expected a refusal');
}

describe('Authenticator', () => {
  it('admin: the admin token only', () => {
    assert.deepEqual(auth.authenticate('admin', req({ authorization: `Bearer ${ADMIN}` }), {}), { kind: 'admin' });
    assert.deepEqual(refusal(() => auth.authenticate('admin', req(), {})), { status: 401, code: 'WEFT_AUTH_REQUIRED' });
    assert.deepEqual(refusal(() => auth.authenticate('admin', req({ authorization: `Bearer ${ADMIN}x` }), {})), { status: 401, code: 'WEFT_AUTH_INVALID' });
    assert.deepEqual(refusal(() => auth.authenticate('admin', req({ authorization: `Basic ${ADMIN}` }), {})), { status: 401, code: 'WEFT_AUTH_REQUIRED' });
    const join = tokens.mint('default', 'a', Date.now() + 60_000);
    assert.deepEqual(refusal(() => auth.authenticate('admin', req({ authorization: `Bearer ${join}` }), {})), { status: 401, code: 'WEFT_AUTH_INVALID' });
    assert.deepEqual(refusal(() => auth.authenticate('admin', req({ peer: 'spiffe://cluster.local/ns/default/sa/a' }), {})), { status: 401, code: 'WEFT_AUTH_REQUIRED' }, 'a mesh certificate is not admin');
  });

  it('workload: a join token or a verified mesh certificate, naming the caller', () => {
    const join = tokens.mint('shop', 'api', Date.now() + 60_000);
    const byToken = auth.authenticate('workload', req({ authorization: `Bearer ${join}` }), {});
    assert.deepEqual(byToken, { kind: 'workload', via: 'join-token', namespace: 'shop', serviceAccount: 'api', spiffeId: 'spiffe://cluster.local/ns/shop/sa/api' });
    const byCert = auth.authenticate('workload', req({ peer: 'spiffe://cluster.local/ns/default/sa/order-service' }), {});
    assert.equal(byCert.kind === 'workload' && byCert.via, 'certificate');
    assert.deepEqual(refusal(() => auth.authenticate('workload', req(), {})), { status: 401, code: 'WEFT_AUTH_REQUIRED' });
    assert.deepEqual(refusal(() => auth.authenticate('workload', req({ authorization: `Bearer ${ADMIN}` }), {})), { status: 401, code: 'WEFT_AUTH_INVALID' });
    // A certificate the TLS layer could not verify (another CA) counts for nothing.
    assert.deepEqual(refusal(() => auth.authenticate('workload', req({ peer: 'spiffe://cluster.local/ns/default/sa/x', authorized: false }), {})), { status: 401, code: 'WEFT_AUTH_REQUIRED' });
    assert.deepEqual(refusal(() => auth.authenticate('workload', req({ peer: 'spiffe://other.domain/ns/default/sa/x' }), {})), { status: 401, code: 'WEFT_AUTH_REQUIRED' });
  });

  it('proxy: the certificate of the workload the URL names', () => {
    const mine = req({ peer: 'spiffe://cluster.local/ns/default/sa/order-service' });
    assert.equal(auth.authenticate('proxy', mine, { id: 'orders-v1.default' }).kind, 'workload');
    assert.equal(auth.authenticate('proxy', mine, { namespace: 'default', name: 'orders-v1' }).kind, 'workload');
    const theirs = req({ peer: 'spiffe://cluster.local/ns/default/sa/user-service' });
    assert.deepEqual(refusal(() => auth.authenticate('proxy', theirs, { id: 'orders-v1.default' })), { status: 403, code: 'WEFT_AUTH_FORBIDDEN' });
    // Unregistered: the handler answers 404, but never across namespaces.
    assert.equal(auth.authenticate('proxy', theirs, { id: 'ghost.default' }).kind, 'workload');
    assert.deepEqual(refusal(() => auth.authenticate('proxy', theirs, { id: 'ghost.shop' })), { status: 403, code: 'WEFT_AUTH_FORBIDDEN' });
    const join = tokens.mint('default', 'order-service', Date.now() + 60_000);
    assert.deepEqual(refusal(() => auth.authenticate('proxy', req({ authorization: `Bearer ${join}` }), { id: 'orders-v1.default' })), { status: 401, code: 'WEFT_AUTH_REQUIRED' });
  });

  it('public: anyone', () => {
    assert.deepEqual(auth.authenticate('public', req(), {}), { kind: 'anonymous' });
  });
});
