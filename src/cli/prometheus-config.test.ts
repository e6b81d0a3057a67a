// The prometheus.yml `weft prometheus-config` prints: http_sd against the control plane or a file_sd file, the control plane's own /metrics, TLS for https.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parsePromDuration, prometheusConfig } from './commands/prometheus-config.ts';
import { ExitCode } from './exit-codes.ts';
import { captureIo } from './io.ts';
import { runCli } from './program.ts';

test('prometheus-config: http_sd against the control plane, its own /metrics, TLS with the root for https', () => {
  const cfg = parse(prometheusConfig({ controlPlane: 'https://127.0.0.1:15010', scrapeInterval: '5s', caFile: '/state/root-cert.pem' }));
  assert.equal(cfg.global.scrape_interval, '5s');
  const [sidecars, cp] = cfg.scrape_configs;
  assert.equal(sidecars.job_name, 'weft-sidecars');
  assert.equal(sidecars.metrics_path, '/stats/prometheus');
  assert.deepEqual(sidecars.http_sd_configs, [{ url: 'https://127.0.0.1:15010/v1/prometheus/targets', refresh_interval: '5s', tls_config: { ca_file: '/state/root-cert.pem' } }]);
  assert.deepEqual(cp, { job_name: 'weft-control-plane', metrics_path: '/metrics', scheme: 'https', tls_config: { ca_file: '/state/root-cert.pem' }, static_configs: [{ targets: ['127.0.0.1:15010'] }] });
  const file = parse(prometheusConfig({ controlPlane: 'http://127.0.0.1:15010', scrapeInterval: '15s', fileSd: '/tmp/t.json' }));
  assert.deepEqual(file.scrape_configs[0].file_sd_configs, [{ files: ['/tmp/t.json'], refresh_interval: '15s' }]);
  assert.equal(file.scrape_configs[1].scheme, 'http');
  assert.equal(file.scrape_configs[1].tls_config, undefined);
});

test('scrape intervals use Prometheus duration syntax', () => {
  assert.equal(parsePromDuration('1m30s'), '1m30s');
  assert.throws(() => parsePromDuration('1.5s'), /Prometheus duration/);
});

test('`weft prometheus-config` prints the config for the control plane in force, with the global --ca-file; its help has examples', async () => {
  const io = captureIo();
  assert.equal(await runCli(['--control-plane', 'https://127.0.0.1:15999', '--ca-file', '/srv/root-cert.pem', 'prometheus-config', '--scrape-interval', '1s'], io), ExitCode.OK);
  const cfg = parse(io.out());
  assert.equal(cfg.scrape_configs[0].http_sd_configs[0].url, 'https://127.0.0.1:15999/v1/prometheus/targets');
  assert.equal(cfg.scrape_configs[1].tls_config.ca_file, '/srv/root-cert.pem');
  assert.equal(cfg.global.scrape_interval, '1s');
  const help = captureIo();
  assert.equal(await runCli(['prometheus-config', '--help'], help), ExitCode.OK);
  assert.match(help.out(), /Examples:\n {2}weft /);
  const bad = captureIo();
  assert.equal(await runCli(['prometheus-config', '--scrape-interval', 'soon'], bad), ExitCode.USAGE);
});
