// Scrape targets (http_sd groups and the file_sd file) and the control plane's metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSamples } from '../../lib/prometheus-text.ts';
import type { WorkloadRegistration } from '../../model/control-protocol.ts';
import { ServiceRegistry } from '../registry/registry.ts';
import { ControlPlaneMetrics, observeApi } from './control-plane-metrics.ts';
import { FileSdWriter, targetGroups } from './scrape-targets.ts';

const reg = (name: string, adminPort: number | undefined, labels: Record<string, string> = { app: 'user-service', version: 'v2' }): WorkloadRegistration => ({
  name, namespace: 'default', service: 'user-service', labels, serviceAccount: 'user-service', address: '127.0.0.1',
  ports: [{ port: 8080, targetPort: 15006, protocol: 'http' }],
  ...(adminPort === undefined ? {} : { adminPort }),
});

test('one target group per sidecar that told its admin port, with namespace, workload, app, version', () => {
  const groups = targetGroups([reg('user-service-v2-b', 15001), reg('old-sidecar', undefined), reg('user-service-v2-a', 15000, {})]);
  assert.deepEqual(groups, [
    { targets: ['127.0.0.1:15000'], labels: { __metrics_path__: '/stats/prometheus', namespace: 'default', workload: 'user-service-v2-a', app: 'unknown', version: 'unknown' } },
    { targets: ['127.0.0.1:15001'], labels: { __metrics_path__: '/stats/prometheus', namespace: 'default', workload: 'user-service-v2-b', app: 'user-service', version: 'v2' } },
  ]);
});

test('the file_sd file follows registrations and deregistrations', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-sd-'));
  const registry = new ServiceRegistry({});
  const file = join(dir, 'targets.json');
  const sd = new FileSdWriter(file, registry);
  try {
    await sd.update();
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), []);
    await registry.register(reg('user-service-v2-a', 15000));
    await sd.update();
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).map((g: { targets: string[] }) => g.targets[0]), ['127.0.0.1:15000']);
    await registry.deregister('default', 'user-service-v2-a');
    await sd.update();
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), []);
  } finally {
    await sd.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('control plane metrics: gauges read at scrape time, counters, push latency in seconds', () => {
  let proxies = 2;
  const m = new ControlPlaneMetrics({ connectedProxies: () => proxies, registeredWorkloads: () => 3, registeredServices: () => 1 }, '9.9.9');
  m.pushed(4);
  m.pushed(700);
  m.acked(true);
  m.acked(false);
  m.compileFailed();
  m.mutation('apply', true);
  m.mutation('apply', false);
  m.csr(true);
  proxies = 5;
  const s = parseSamples(m.render());
  const v = (name: string, labels: Record<string, string> = {}): number | undefined =>
    s.find((x) => x.name === name && Object.entries(labels).every(([k, val]) => x.labels[k] === val))?.value;
  assert.equal(v('weft_connected_proxies'), 5);
  assert.equal(v('weft_registered_workloads'), 3);
  assert.equal(v('weft_config_pushes_total'), 2);
  assert.equal(v('weft_config_push_latency_seconds_bucket', { le: '0.005' }), 1);
  assert.equal(v('weft_config_push_latency_seconds_bucket', { le: '1' }), 2);
  assert.equal(v('weft_config_push_latency_seconds_count'), 2);
  assert.equal(v('weft_config_acks_total'), 1);
  assert.equal(v('weft_config_nacks_total'), 1);
  assert.equal(v('weft_config_compile_errors_total'), 1);
  assert.equal(v('weft_config_mutations_total', { operation: 'apply', result: 'accepted' }), 1);
  assert.equal(v('weft_config_mutations_total', { operation: 'apply', result: 'rejected' }), 1);
  assert.equal(v('weft_csr_signed_total'), 1);
  assert.equal(v('weft_build_info', { version: '9.9.9' }), 1);
});

test('observeApi counts applies and CSRs by the status they were answered with', () => {
  const m = new ControlPlaneMetrics({ connectedProxies: () => 0, registeredWorkloads: () => 0, registeredServices: () => 0 }, '0');
  let onRequest: ((req: { method?: string; url?: string }, res: { statusCode: number; once(e: 'finish', fn: () => void): unknown }) => void) | undefined;
  observeApi({ on: (_e: 'request', fn: typeof onRequest) => { onRequest = fn; } } as never, m);
  const call = (method: string, url: string, status: number): void => {
    let finish = (): void => {};
    onRequest!({ method, url }, { statusCode: status, once: (_e, fn) => { finish = fn; } });
    finish();
  };
  call('POST', '/v1/apply', 200);
  call('POST', '/v1/apply', 400);
  call('POST', '/v1/apply', 401);
  call('POST', '/v1/certificates', 403);
  call('GET', '/v1/apply', 200);
  assert.deepEqual(m.applies, { accepted: 1, rejected: 1 });
  assert.equal(m.csrRejected, 1);
});
