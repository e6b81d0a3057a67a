// Tests of the authorization stage: every attribute and string form, the not-forms on a plaintext caller, DENY → ALLOW order, Istio's empty forms, the 403 through rescue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthzCheck, AuthzRule, AuthzStringMatch, InboundAuthorization } from '../../model/proxy-config.ts';
import type { HttpRequest } from '../http/message.ts';
import { createRescue } from '../rescue.ts';
import { AccessDeniedError } from '../errors.ts';
import { authorizationLayer, buildAuthorizer, ipMatcher, ipv4Number, normalizePath, stringMatcher } from './authorization.ts';
import { request, response, type RequestOptions } from './test-fixtures.ts';

const ORDER = 'spiffe://cluster.local/ns/default/sa/order-service';
const USER = 'spiffe://cluster.local/ns/default/sa/user-service';
const SHOP = 'spiffe://cluster.local/ns/shop/sa/cart';

interface Call extends RequestOptions {
  /** The caller's SPIFFE id; '' for a plaintext caller. */
  readonly peer?: string;
  readonly ip?: string;
}

function req(c: Call = {}): HttpRequest {
  const r = request({ authority: 'payment-service:8080', ...c });
  r.info.peerIdentity = c.peer ?? ORDER;
  (r.info as { downstreamRemoteAddress: string }).downstreamRemoteAddress = c.ip ?? '127.0.0.1';
  return r;
}

const rule = (p: Partial<AuthzRule>): AuthzRule => ({ from: [], to: [], when: [], ...p });
const cfg = (p: Partial<InboundAuthorization>): InboundAuthorization => ({ deny: [], allow: [], audit: [], destinationIp: '127.0.0.1', ...p });

/** The decision of one ALLOW policy with a single rule made of `checks` (in `when`): true = allowed. */
function allows(checks: readonly AuthzCheck[], c: Call = {}, ports: readonly number[] = [8080]): boolean {
  const a = buildAuthorizer(cfg({ allow: [{ name: 'p', rules: [rule({ when: checks })] }] }), { ports });
  return a.decide(req(c)) === null;
}

const exact = (value: string) => ({ kind: 'exact' as const, value });
const prefix = (value: string) => ({ kind: 'prefix' as const, value });
const suffix = (value: string) => ({ kind: 'suffix' as const, value });
const present = { kind: 'present' as const };

test('string matcher: exact, prefix, suffix, present, and any of several', () => {
  assert.deepEqual(['/a', '/ab', '/b'].map(stringMatcher([exact('/a')])), [true, false, false]);
  assert.deepEqual(['/pay/1', '/pay', '/x/pay/'].map(stringMatcher([prefix('/pay/')])), [true, false, false]);
  assert.deepEqual(['a.png', 'png', 'a.png?'].map(stringMatcher([suffix('.png')])), [true, false, false]);
  assert.deepEqual(['x', ''].map(stringMatcher([present])), [true, false]);
  assert.deepEqual(['GET', 'HEAD', 'POST'].map(stringMatcher([exact('GET'), exact('HEAD')])), [true, true, false]);
  assert.deepEqual(['/a/1', 'b.png', '/c'].map(stringMatcher([prefix('/a/'), suffix('.png')])), [true, true, false]);
  assert.throws(() => stringMatcher([]), /without values/);
  assert.throws(() => stringMatcher([{ kind: 'regex', value: '.*' } as never]), /unknown string match/);
});

test('IP matcher: IPv4 addresses and blocks, IPv4-mapped addresses, IPv6 blocks', () => {
  assert.equal(ipv4Number('10.1.2.3'), 0x0a010203);
  assert.equal(ipv4Number('::ffff:127.0.0.1'), 0x7f000001);
  assert.equal(ipv4Number('::1'), -1);
  const m = ipMatcher(['10.0.0.0/8', '192.168.1.7', '172.16.0.0/12']);
  const at = (ip: string) => m(ip, ipv4Number(ip));
  assert.deepEqual(['10.200.1.1', '11.0.0.1', '192.168.1.7', '192.168.1.8', '172.31.255.255', '172.32.0.0', '::ffff:10.0.0.1'].map(at), [true, false, true, false, true, false, true]);
  const all4 = ipMatcher(['0.0.0.0/0']);
  assert.equal(all4('8.8.8.8', ipv4Number('8.8.8.8')), true);
  const v6 = ipMatcher(['fd00::/8', '::1']);
  assert.deepEqual(['fd12::1', 'fe80::1', '::1', '127.0.0.1'].map((ip) => v6(ip, ipv4Number(ip))), [true, false, true, false]);
  assert.throws(() => ipMatcher(['10.0.0.0/33']), /invalid CIDR/);
  assert.throws(() => ipMatcher(['not-an-ip']), /invalid IP or CIDR/);
});

test('source.principal: the SPIFFE id without "spiffe://"; a plaintext caller has none, so only not-forms match it', () => {
  const is: AuthzCheck = { attribute: 'source.principal', values: [exact('cluster.local/ns/default/sa/order-service')], negate: false };
  assert.deepEqual([allows([is]), allows([is], { peer: USER }), allows([is], { peer: '' })], [true, false, false]);
  const any: AuthzCheck = { attribute: 'source.principal', values: [present], negate: false };
  assert.deepEqual([allows([any], { peer: USER }), allows([any], { peer: '' })], [true, false]);
  const notOrder: AuthzCheck = { attribute: 'source.principal', values: [exact('cluster.local/ns/default/sa/order-service')], negate: true };
  assert.deepEqual([allows([notOrder]), allows([notOrder], { peer: USER }), allows([notOrder], { peer: '' })], [false, true, true]);
  const pre: AuthzCheck = { attribute: 'source.principal', values: [prefix('cluster.local/ns/default/')], negate: false };
  const suf: AuthzCheck = { attribute: 'source.principal', values: [suffix('/sa/cart')], negate: false };
  assert.deepEqual([allows([pre], { peer: SHOP }), allows([pre]), allows([suf], { peer: SHOP }), allows([suf])], [false, true, true, false]);
});

test('source.namespace: from the principal; a plaintext caller has none', () => {
  const ns = (values: readonly AuthzStringMatch[], negate = false): AuthzCheck => ({ attribute: 'source.namespace', values, negate });
  assert.deepEqual([allows([ns([exact('default')])]), allows([ns([exact('default')])], { peer: SHOP }), allows([ns([exact('default')])], { peer: '' })], [true, false, false]);
  assert.deepEqual([allows([ns([exact('default')], true)], { peer: SHOP }), allows([ns([exact('default')], true)], { peer: '' })], [true, true]);
  assert.equal(allows([{ attribute: 'source.namespace', values: [present], negate: false }], { peer: '' }), false);
});

test('source.ip and remote.ip: the connection\'s peer address', () => {
  for (const attribute of ['source.ip', 'remote.ip'] as const) {
    const c: AuthzCheck = { attribute, cidrs: ['10.0.0.0/8'], negate: false };
    assert.deepEqual([allows([c], { ip: '10.9.9.9' }), allows([c], { ip: '127.0.0.1' }), allows([{ ...c, negate: true }], { ip: '127.0.0.1' })], [true, false, true], attribute);
  }
});

test('destination.ip is the workload\'s address, destination.port the service port addressed', () => {
  const a = (cidrs: string[]) => buildAuthorizer(cfg({ destinationIp: '127.0.0.1', allow: [{ name: 'p', rules: [rule({ when: [{ attribute: 'destination.ip', cidrs, negate: false }] })] }] }), { ports: [8080] }).decide(req());
  assert.equal(a(['127.0.0.0/8']), null);
  assert.ok(a(['10.0.0.0/8']) instanceof AccessDeniedError);
  const port: AuthzCheck = { attribute: 'destination.port', ports: [9090], negate: false };
  assert.deepEqual([allows([port]), allows([{ ...port, ports: [8080] }])], [false, true]);
  // Several service ports: the one in the authority.
  assert.deepEqual([allows([port], { authority: 'pay:9090' }, [8080, 9090]), allows([port], { authority: 'pay:8080' }, [8080, 9090]), allows([port], { authority: 'pay' }, [8080, 9090])], [true, false, false]);
});

test('request.host: the whole authority, port included, case-insensitive (patterns come lower-cased)', () => {
  const h = (values: readonly AuthzStringMatch[], negate = false): AuthzCheck => ({ attribute: 'request.host', values, negate });
  assert.deepEqual(['payment-service', 'payment-service:8080'].map((authority) => allows([h([exact('payment-service')])], { authority })), [true, false], 'Istio: an exact host does not match it with a port');
  assert.deepEqual(['payment-service:8080', 'payment-service', 'pay:8080'].map((authority) => allows([h([prefix('payment-service:')])], { authority })), [true, false, false], '"payment-service:*"');
  assert.deepEqual(['payment-service.default.svc.cluster.local', 'evil.local.example'].map((authority) => allows([h([suffix('.cluster.local')])], { authority })), [true, false]);
  assert.equal(allows([h([exact('payment-service:8080')])]), true);
  assert.equal(allows([h([exact('payment-service:8080')], true)]), false);
  assert.equal(allows([h([present])], { authority: '[::1]:8080' }), true);
});

test('request.method and request.path (without the query); notPaths', () => {
  const m: AuthzCheck = { attribute: 'request.method', values: [exact('POST')], negate: false };
  assert.deepEqual([allows([m], { method: 'POST' }), allows([m], { method: 'post' }), allows([m], { method: 'GET' })], [true, false, false]);
  const p: AuthzCheck = { attribute: 'request.path', values: [prefix('/payments/')], negate: false };
  assert.deepEqual(['/payments/123', '/payments/1?x=/admin', '/payments', '/admin?/payments/'].map((path) => allows([p], { path })), [true, true, false, false]);
  const exactPath: AuthzCheck = { attribute: 'request.path', values: [exact('/healthz')], negate: true };
  assert.deepEqual(['/healthz', '/healthz?full=1', '/other'].map((path) => allows([exactPath], { path })), [false, false, true]);
  assert.equal(allows([{ attribute: 'request.path', values: [suffix('.png')], negate: false }], { path: '/img/a.png?v=2' }), true);
});

test('request.headers[…]: absent fails, repeated fields are joined with ","', () => {
  const hd = (values: readonly AuthzStringMatch[], negate = false): AuthzCheck => ({ attribute: 'request.header', header: 'x-token', values, negate });
  assert.deepEqual([allows([hd([exact('abc')])], { headers: ['x-token', 'abc'] }), allows([hd([exact('abc')])]), allows([hd([exact('abc')])], { headers: ['x-token', 'abd'] })], [true, false, false]);
  assert.deepEqual([allows([hd([present])], { headers: ['x-token', 'v'] }), allows([hd([present])])], [true, false]);
  assert.equal(allows([hd([exact('a,b')])], { headers: ['x-token', 'a', 'x-token', 'b'] }), true);
  assert.deepEqual([allows([hd([prefix('revoked')], true)], { headers: ['x-token', 'revoked-1'] }), allows([hd([prefix('revoked')], true)])], [false, true]);
});

test('never-present attributes: request principals, request.auth.*, connection.sni match nothing; their negations everything', () => {
  const absent: AuthzCheck = { attribute: 'absent', key: 'request.auth.principal', values: [present], negate: false };
  const sni: AuthzCheck = { attribute: 'connection.sni', values: [present], negate: false };
  assert.deepEqual([allows([absent]), allows([{ ...absent, negate: true }]), allows([sni]), allows([{ ...sni, negate: true }])], [false, true, false, true]);
});

test('a rule: from (OR of ANDs) AND to (OR of ANDs) AND every when; empty parts match anything', () => {
  const order: AuthzCheck = { attribute: 'source.principal', values: [exact('cluster.local/ns/default/sa/order-service')], negate: false };
  const shop: AuthzCheck = { attribute: 'source.namespace', values: [exact('shop')], negate: false };
  const post: AuthzCheck = { attribute: 'request.method', values: [exact('POST')], negate: false };
  const pay: AuthzCheck = { attribute: 'request.path', values: [prefix('/payments/')], negate: false };
  const get: AuthzCheck = { attribute: 'request.method', values: [exact('GET')], negate: false };
  const r = rule({ from: [[order], [shop]], to: [[post, pay], [get]], when: [{ attribute: 'request.header', header: 'x-a', values: [present], negate: false }] });
  const a = buildAuthorizer(cfg({ allow: [{ name: 'p', rules: [r] }] }), { ports: [8080] });
  const ok = (c: Call) => a.decide(req({ headers: ['x-a', '1'], ...c })) === null;
  assert.equal(ok({ method: 'POST', path: '/payments/1' }), true);
  assert.equal(ok({ method: 'POST', path: '/payments/1', peer: SHOP }), true, 'second from entry');
  assert.equal(ok({ method: 'GET', path: '/anything' }), true, 'second to entry');
  assert.equal(ok({ method: 'POST', path: '/refunds/1' }), false, 'AND inside a to entry');
  assert.equal(ok({ method: 'POST', path: '/payments/1', peer: USER }), false, 'no from entry');
  assert.equal(a.decide(req({ method: 'POST', path: '/payments/1' })) === null, false, 'when fails');
});

test('Istio\'s empty forms: ALLOW with rules [{}] allows all, ALLOW without rules allows nothing, DENY with [{}] denies all, DENY without rules does nothing', () => {
  const d = (c: InboundAuthorization, r = req()) => buildAuthorizer(c, { ports: [8080] }).decide(r);
  assert.equal(d(cfg({ allow: [{ name: 'all', rules: [rule({})] }] })), null);
  assert.equal(d(cfg({ allow: [{ name: 'all', rules: [rule({})] }] }), req({ peer: '' })), null);
  assert.equal(d(cfg({ allow: [{ name: 'nothing', rules: [] }] }))?.policy, 'none');
  assert.equal(d(cfg({ deny: [{ name: 'ns[default]-policy[deny-all]', rules: [rule({})] }] }))?.policy, 'ns[default]-policy[deny-all]-rule[0]');
  assert.equal(d(cfg({ deny: [{ name: 'noop', rules: [] }] })), null);
  assert.equal(d(cfg({})), null, 'no policy at all');
});

test('DENY before ALLOW; the refusal names the DENY rule that matched; several ALLOW policies are OR-ed', () => {
  const admin: AuthzCheck = { attribute: 'request.path', values: [prefix('/admin')], negate: false };
  const c = cfg({
    deny: [{ name: 'ns[default]-policy[no-admin]', rules: [rule({ to: [[{ attribute: 'request.method', values: [exact('DELETE')], negate: false }]] }), rule({ to: [[admin]] })] }],
    allow: [
      { name: 'ns[default]-policy[order]', rules: [rule({ from: [[{ attribute: 'source.principal', values: [suffix('/sa/order-service')], negate: false }]] })] },
      { name: 'ns[istio-system]-policy[health]', rules: [rule({ to: [[{ attribute: 'request.path', values: [exact('/healthz')], negate: false }]] })] },
    ],
  });
  const a = buildAuthorizer(c, { ports: [8080] });
  assert.equal(a.decide(req({ path: '/admin/x' }))?.message, 'rbac_access_denied_matched_policy[ns[default]-policy[no-admin]-rule[1]]', 'allowed caller, denied path');
  assert.equal(a.decide(req({ method: 'DELETE' }))?.message, 'rbac_access_denied_matched_policy[ns[default]-policy[no-admin]-rule[0]]');
  assert.equal(a.decide(req({ path: '/payments/1' })), null);
  assert.equal(a.decide(req({ peer: USER, path: '/healthz' })), null, 'second ALLOW policy');
  assert.equal(a.decide(req({ peer: USER, path: '/payments/1' }))?.message, 'rbac_access_denied_matched_policy[none]');
  assert.equal(a.decide(req({ path: '/admin' })), a.decide(req({ path: '/admin' })), 'the refusal is prebuilt, not made per request');
});

test('AUDIT only reports: every matching AUDIT policy, whatever the decision', () => {
  const seen: string[] = [];
  const c = cfg({
    audit: [{ name: 'audit-post', rules: [rule({ to: [[{ attribute: 'request.method', values: [exact('POST')], negate: false }]] })] }, { name: 'audit-all', rules: [rule({})] }],
    deny: [{ name: 'deny-user', rules: [rule({ from: [[{ attribute: 'source.principal', values: [suffix('/user-service')], negate: false }]] })] }],
  });
  const a = buildAuthorizer(c, { ports: [8080], onAudit: (p, r) => seen.push(`${p} ${r.method}`) });
  assert.equal(a.decide(req({ method: 'POST' })), null);
  assert.ok(a.decide(req({ method: 'GET', peer: USER })) instanceof AccessDeniedError);
  assert.deepEqual(seen, ['audit-post POST', 'audit-all POST', 'audit-all GET']);
});

test('a malformed config fails at build (the proxy NACKs it), not per request', () => {
  assert.throws(() => buildAuthorizer(cfg({ deny: [{ name: 'x', rules: [rule({ when: [{ attribute: 'source.ip', cidrs: ['10.0.0.0/40'], negate: false }] })] }] }), { ports: [] }), /invalid CIDR/);
  assert.throws(() => buildAuthorizer(cfg({ deny: [{ name: 'x', rules: [rule({ when: [{ attribute: 'request.body', values: [present], negate: false } as never] })] }] }), { ports: [] }), /unknown authorization attribute/);
});

test('the stage: allowed requests reach the app; a refusal becomes 403 "RBAC: access denied", flag RBAC, through rescue', async () => {
  const layer = authorizationLayer(cfg({ allow: [{ name: 'ns[default]-policy[seed]', rules: [rule({ to: [[{ attribute: 'request.method', values: [exact('POST')], negate: false }]] })] }] }), { ports: [8080] });
  let reached = 0;
  const svc = layer(async () => { reached++; return response(200, 'ok'); });
  assert.equal((await svc(req({ method: 'POST' }))).status, 200);
  const r = req({ method: 'GET' });
  const err = await svc(r).then(() => null, (e: unknown) => e);
  assert.equal(reached, 1);
  const rescue = createRescue(() => 'payment-service-0.default', () => assert.fail('not a bug'));
  const res = rescue(err, r.info);
  assert.equal(res.status, 403);
  assert.equal((await res.body.collect()).toString(), 'RBAC: access denied');
  assert.equal(r.info.responseFlags, 'RBAC');
  assert.equal(r.info.responseDetails, 'rbac_access_denied_matched_policy[none]');
  const h = new Map<string, string>();
  for (let i = 0; i < res.headers.length; i += 2) h.set(res.headers[i]!, res.headers[i + 1]!);
  assert.equal(h.get('x-weft-proxy'), 'payment-service-0.default');
  assert.equal(h.get('x-weft-response-flags'), 'RBAC');
});

test('path normalization: dot segments (also as %2e) removed, never above the root, the query kept; nothing to do → the same string', () => {
  const cases: [string, string][] = [
    ['/payments/123', '/payments/123'],
    ['/public/../admin', '/admin'],
    ['/a/b/../c?x=/../y', '/a/c?x=/../y'],
    ['/a/./b/.', '/a/b/'],
    ['/a/..', '/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/x/%2e%2e/admin', '/admin'],
    ['/x/.%2E/admin', '/admin'],
    ['/x/%2e/admin', '/x/admin'],
    ['/.well-known/x', '/.well-known/x'],
    ['/a/..b/c', '/a/..b/c'],
    ['*', '*'],
  ];
  for (const [input, want] of cases) assert.equal(normalizePath(input), want, input);
  const plain = '/payments/123?x=1';
  assert.equal(normalizePath(plain), plain);
});

test('the stage judges and forwards the normalized path: /public/../admin is refused by a DENY on /admin*', async () => {
  const layer = authorizationLayer(cfg({ deny: [{ name: 'no-admin', rules: [rule({ to: [[{ attribute: 'request.path', values: [prefix('/admin')], negate: false }]] })] }] }), { ports: [8080] });
  const seen: string[] = [];
  const svc = layer(async (r) => { seen.push(r.path); return response(200); });
  await assert.rejects(svc(req({ path: '/public/../admin/users' })), AccessDeniedError);
  await assert.rejects(svc(req({ path: '/public/%2e%2e/admin' })), AccessDeniedError);
  assert.equal((await svc(req({ path: '/public/./docs/../index.html?q=1' }))).status, 200);
  assert.deepEqual(seen, ['/public/index.html?q=1']);
});
