// The app's environment in proxy-env mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyEnv } from './proxy-env.ts';

test('PORT, both spellings of the proxy variables, loopback excluded, Node told to honour them', () => {
  const env = proxyEnv({ PATH: '/bin', HTTP_PROXY: 'http://corporate:3128', KEEP: 'x', GONE: undefined }, { appPort: 41000, outboundPort: 15001 });
  assert.deepEqual(env, {
    PATH: '/bin',
    KEEP: 'x',
    PORT: '41000',
    HTTP_PROXY: 'http://127.0.0.1:15001',
    http_proxy: 'http://127.0.0.1:15001',
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    NODE_USE_ENV_PROXY: '1',
  });
});
