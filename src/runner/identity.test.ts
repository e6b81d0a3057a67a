// Workload identity from flags: Istio's app/version labels, service account default, instance names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkloadName, IdentityError, randomSuffix, workloadIdentity } from './identity.ts';

const fixed = (): string => 'k7qz';

test('labels app=<service> and version=<v>, service account = service, namespace default', () => {
  assert.deepEqual(workloadIdentity({ service: 'user-service', version: 'v2' }, fixed), {
    workload: 'user-service-v2-k7qz', namespace: 'default', service: 'user-service', serviceAccount: 'user-service',
    labels: { app: 'user-service', version: 'v2' },
  });
});

test('extra labels, explicit service account, namespace and workload name', () => {
  const id = workloadIdentity({ service: 'api', namespace: 'shop', serviceAccount: 'api-sa', workload: 'api-0', labels: { track: 'canary', app: 'api' } }, fixed);
  assert.deepEqual(id, { workload: 'api-0', namespace: 'shop', service: 'api', serviceAccount: 'api-sa', labels: { app: 'api', track: 'canary' } });
});

test('contradicting labels and invalid names are refused', () => {
  assert.throws(() => workloadIdentity({ service: 'web', labels: { app: 'other' } }), IdentityError);
  assert.throws(() => workloadIdentity({ service: 'web', version: 'v1', labels: { version: 'v2' } }), /contradicts --version v1/);
  for (const service of ['Web', 'web_1', '-web', 'web-', '', 'a'.repeat(64)]) assert.throws(() => workloadIdentity({ service }), IdentityError, service);
  assert.throws(() => workloadIdentity({ service: 'web', namespace: 'My NS' }), /namespace "My NS"/);
});

test('default workload names: <service>[-<version>]-<suffix>, a DNS label however long the service', () => {
  assert.equal(defaultWorkloadName('web', undefined, fixed), 'web-k7qz');
  assert.equal(defaultWorkloadName('web', 'V1.2', fixed), 'web-v1-2-k7qz');
  const long = defaultWorkloadName('s'.repeat(63), 'v1', fixed);
  assert.ok(long.length <= 63 && long.endsWith('-k7qz'), long);
  assert.match(randomSuffix(), /^[a-z0-9]{4}$/);
  assert.notEqual(workloadIdentity({ service: 'web' }).workload, 'web-');
});
