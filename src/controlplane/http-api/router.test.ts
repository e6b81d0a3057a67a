// Router: parameters, 404, 405 with Allow, bad escapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from './errors.ts';
import { Router } from './router.ts';

const noop = () => undefined;

function statusOf(fn: () => unknown): { status: number; code: string; headers: Readonly<Record<string, string>> } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError);
    return { status: err.status, code: err.code, headers: err.headers };
  }
  throw new Error('expected an HttpError');
}

describe('Router', () => {
  const router = new Router()
    .add('POST', '/v1/workloads', noop)
    .add('PUT', '/v1/workloads/:namespace/:name/lease', noop)
    .add('DELETE', '/v1/workloads/:namespace/:name', noop)
    .add('GET', '/v1/proxies/:id/stream', noop);

  it('matches by method and path and decodes parameters', () => {
    assert.deepEqual(router.match('PUT', '/v1/workloads/default/user-v1/lease').params, { namespace: 'default', name: 'user-v1' });
    assert.deepEqual(router.match('GET', '/v1/proxies/a%2Fb.default/stream').params, { id: 'a/b.default' });
    assert.deepEqual(router.match('POST', '/v1/workloads/').params, {}, 'a trailing slash is the same path');
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path', () => {
    assert.deepEqual(statusOf(() => router.match('GET', '/v1/workloads/default')), { status: 404, code: 'WEFT_HTTP_NOT_FOUND', headers: {} });
    assert.deepEqual(statusOf(() => router.match('GET', '/v1/workloads')), { status: 405, code: 'WEFT_HTTP_METHOD_NOT_ALLOWED', headers: { allow: 'POST' } });
  });

  it('gives every route an access class, "admin" unless it says otherwise (issue 4: safe by default)', () => {
    const r = new Router().add('GET', '/v1/new-route', noop).add('POST', '/v1/workloads', noop, 'workload');
    assert.equal(r.match('GET', '/v1/new-route').access, 'admin');
    assert.equal(r.match('POST', '/v1/workloads').access, 'workload');
  });

  it('answers 400 for a parameter that is not valid percent-encoding', () => {
    assert.equal(statusOf(() => router.match('GET', '/v1/proxies/%E0%A4%A/stream')).status, 400);
  });
});
