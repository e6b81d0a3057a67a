// The Weft chain: a control plane and two sidecars (client's outbound → mTLS → backend's inbound), started through the `weft` CLI when it is there, else through bench/e2e/weft-launcher.ts.
import { ControlPlaneClient } from '../../src/cli/client.ts';
import { adminToken, caPem } from '../../src/cli/credentials.ts';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertAlive, freePort, spawnPinned, waitUntil, type PinnedChild } from '../lib/child.ts';
import { CLIENT_CPU, SERVER_CPU, firstFailure, smokeTest, type Chain, type ChainName } from './chain.ts';
import type { AccessLogMode, LauncherProxyOptions } from './weft-launcher.ts';

export type LauncherKind = 'cli' | 'launcher';

export interface WeftChainOptions {
  readonly root: string;
  readonly workDir: string;
  readonly backendPort: number;
  readonly launcher: LauncherKind;
  readonly accessLog: AccessLogMode;
  /** Run the sidecars at the highest CPU priority (child.ts boostPriority). */
  readonly boost: boolean;
  /** When set, both sidecars run under `node --cpu-prof` and write `<role>.cpuprofile` here on exit. */
  readonly cpuProfDir?: string;
  /** Istio YAML applied before the sidecars start (the resilience chain), and the chain's name. */
  readonly config?: { readonly name: ChainName; readonly yaml: string; readonly words: string };
  /**
   * Issue 5: write each sidecar's access log to `<this>-<role>.log` instead of `accessLog`'s
   * sink, so that the chain's telemetry() can say how many bytes were logged (the off chain: none).
   */
  readonly accessLogFile?: string;
}

/**
 * Issue 3's "configured but not triggered" pipeline: a timeout, retries with a per-try timeout,
 * connection-pool limits and outlier detection on the backend, none of which the benchmark's
 * traffic ever trips (the backend answers 200 well within the timeouts, the limits are far above
 * 64 connections).
 */
export const RESILIENCE_YAML = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: backend
spec:
  hosts:
  - backend
  http:
  - route:
    - destination:
        host: backend
    timeout: 3s
    retries:
      attempts: 3
      perTryTimeout: 1s
      retryOn: 5xx,reset,connect-failure,refused-stream
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: backend
spec:
  host: backend
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 1000
      http:
        http1MaxPendingRequests: 1000
        http2MaxRequests: 1000
        maxRetries: 100
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 10s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
`;

/** The service port callers use (`http://backend:8080/`). */
const SERVICE_PORT = 8080;

/**
 * Issue 5's baseline: metrics, access logging and tracing switched off for the whole mesh, by
 * mesh config and by a root-namespace Telemetry (either alone would do; both are what an operator
 * turning telemetry off would write).
 */
export const TELEMETRY_OFF_YAML = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: bench-mesh
spec:
  meshConfig:
    enableTracing: false
    accessLogFile: ""
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  metrics:
  - overrides:
    - match:
        metric: ALL_METRICS
      disabled: true
  accessLogging:
  - disabled: true
  tracing:
  - disableSpanReporting: true
`;

/**
 * Issue 5's measured telemetry: Weft's telemetry as it is when turned on — metrics (on by default),
 * the service-graph reports, and tracing at `percent` % to a Zipkin provider on the bench's span
 * sink (bench/e2e/span-sink.ts), under `path` so that the sink counts each chain apart; spans also
 * go to the control plane, as always. The access log stays at its default, off (as in Istio and
 * Linkerd); `accessLog` turns it on as an operator would (the root Telemetry names the `envoy`
 * provider), written where the sidecar's --access-log says: /dev/null in the bench.
 */
export function tracingYaml(percent: number, sinkPort: number, path: string, accessLog = false): string {
  return `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: bench-mesh
spec:
  meshConfig:
    enableTracing: true
    extensionProviders:
    - name: bench-zipkin
      zipkin:
        service: 127.0.0.1
        port: ${sinkPort}
        path: ${path}
    defaultProviders:
      tracing:
      - bench-zipkin
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  tracing:
  - randomSamplingPercentage: ${percent}
${accessLog ? '  accessLogging:\n  - providers:\n    - name: envoy\n' : ''}`;
}

/**
 * Uses the CLI when `weft proxy --help` answers and knows the flags this benchmark passes
 * (`--control-plane`, `--app-port`, `--admin-port`, and an access-log switch); otherwise the
 * launcher, which calls the same startProxy()/startControlPlane().
 */
export function detectLauncher(root: string): { kind: LauncherKind; why: string } {
  const bin = join(root, 'bin/weft.js');
  if (!existsSync(join(root, 'src/cli/main.ts'))) return { kind: 'launcher', why: 'src/cli/main.ts does not exist yet' };
  let help: string;
  try {
    help = execFileSync(process.execPath, [bin, 'proxy', '--help'], { cwd: root, encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return { kind: 'launcher', why: `\`weft proxy --help\` failed (${(err as Error).message.split('\n')[0]})` };
  }
  const missing = ['--control-plane', '--app-port', '--outbound-port', '--inbound-port', '--admin-port', '--access-log'].filter((f) => !help.includes(f));
  if (missing.length > 0) return { kind: 'launcher', why: `\`weft proxy\` lacks ${missing.join(', ')}` };
  return { kind: 'cli', why: '`weft proxy` has every flag the benchmark needs' };
}

interface SidecarSpec {
  readonly role: string;
  readonly service: string;
  readonly workload: string;
  readonly appPort: number;
  readonly outboundPort: number;
  readonly inboundPort: number;
  readonly adminPort: number;
}

/** Node flags of a sidecar: --cpu-prof when profiled, and any in WEFT_BENCH_SIDECAR_FLAGS (diagnosis, e.g. "--trace-gc", which NODE_OPTIONS refuses). */
function nodeArgs(o: WeftChainOptions, profileName: string): string[] {
  const extra = (process.env['WEFT_BENCH_SIDECAR_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  return [...extra, ...(o.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir, '--cpu-prof-name', `${profileName}.cpuprofile`])];
}

/** Issue 4: the control plane's credentials, from its state directory (the CLI sidecars find them there themselves). */
function cpClient(cpUrl: string, stateDir: string): ControlPlaneClient {
  const env = { ...process.env, WEFT_TOKEN: undefined, WEFT_CA_FILE: undefined };
  return new ControlPlaneClient(cpUrl, async () => ({ token: await adminToken({ stateDir }, env), caPem: await caPem({ stateDir }, env) }));
}

async function startSidecar(o: WeftChainOptions, cpUrl: string, stateDir: string, s: SidecarSpec): Promise<PinnedChild> {
  const env = { ...process.env, WEFT_LOG_LEVEL: logLevel(), WEFT_STATE_DIR: stateDir, WEFT_TOKEN: undefined, WEFT_JOIN_TOKEN: undefined, WEFT_CA_FILE: undefined };
  let args: string[];
  if (o.launcher === 'cli') {
    args = [join(o.root, 'bin/weft.js'), 'proxy',
      '--control-plane', cpUrl, '--service', s.service, '--workload', s.workload, '--namespace', 'default',
      '--service-account', s.service, '--port', String(SERVICE_PORT), '--app-port', String(s.appPort),
      '--outbound-port', String(s.outboundPort), '--inbound-port', String(s.inboundPort), '--admin-port', String(s.adminPort),
      '--access-log', o.accessLogFile !== undefined ? `${o.accessLogFile}-${s.role}.log` : o.accessLog === 'devnull' ? '/dev/null' : o.accessLog === 'off' ? 'off' : '-'];
  } else {
    const minted = await cpClient(cpUrl, stateDir).joinToken({ namespace: 'default', serviceAccount: s.service });
    const opts: LauncherProxyOptions = {
      controlPlane: cpUrl,
      controlPlaneCa: await caPem({ stateDir }, {}),
      joinToken: minted.token,
      service: s.service,
      workload: s.workload,
      namespace: 'default',
      serviceAccount: s.service,
      labels: { app: s.service },
      servicePort: SERVICE_PORT,
      appPort: s.appPort,
      outboundPort: s.outboundPort,
      inboundPort: s.inboundPort,
      adminPort: s.adminPort,
      accessLog: o.accessLog,
      ...(o.accessLogFile === undefined ? {} : { accessLogFile: `${o.accessLogFile}-${s.role}.log` }),
    };
    args = [join(o.root, 'bench/e2e/weft-launcher.ts'), 'proxy', JSON.stringify(opts)];
  }
  // stdout (the ready line, and the access log in "stdout" mode) is read and dropped by spawnPinned.
  return spawnPinned({ name: `weft ${s.role}`, cpu: SERVER_CPU, command: process.execPath, args: [...nodeArgs(o, s.role), ...args], cwd: o.root, env, onLine: stdoutTo(o, s.role), boost: o.boost, ...logFile(o, s.role) });
}

/**
 * Diagnosis: with WEFT_BENCH_LOG_DIR set, every Weft process of a chain logs at debug level to
 * `<dir>/<chain>-<role>.log` (lease renewals, stream reconnects, export failures); otherwise
 * warnings only, kept as the failure message's tail.
 */
function logLevel(): string {
  return process.env['WEFT_BENCH_LOG_DIR'] === undefined ? 'warn' : 'debug';
}

/** With WEFT_BENCH_LOG_DIR set, a sidecar's stdout lines (e.g. NODE_OPTIONS=--trace-gc) go to `<dir>/<chain>-<role>.out`. */
function stdoutTo(o: WeftChainOptions, role: string): (line: string) => void {
  const dir = process.env['WEFT_BENCH_LOG_DIR'];
  if (dir === undefined) return () => {};
  const out = createWriteStream(join(dir, `${o.config?.name ?? 'weft'}${o.cpuProfDir === undefined ? '' : '-profile'}-${role}.out`), { flags: 'a' });
  return (line) => { out.write(`${line}\n`); };
}

function logFile(o: WeftChainOptions, role: string): { readonly stderrFile?: string } {
  const dir = process.env['WEFT_BENCH_LOG_DIR'];
  return dir === undefined ? {} : { stderrFile: join(dir, `${o.config?.name ?? 'weft'}${o.cpuProfDir === undefined ? '' : '-profile'}-${role}.log`) };
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}

interface ConfigDump {
  readonly config?: { readonly version?: string; readonly telemetry?: unknown; readonly clusters?: readonly { readonly service?: string; readonly endpoints?: readonly { readonly port?: number }[] }[] } | null;
}

async function configDump(adminPort: number): Promise<ConfigDump> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/config_dump`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`sidecar admin :${adminPort} answered ${res.status} to /config_dump`);
  return (await res.json()) as ConfigDump;
}

/** Applies `yaml`, then waits until every sidecar's config version has moved on from what it was before. */
async function reconfigure(client: ControlPlaneClient, adminPorts: readonly number[], yaml: string): Promise<void> {
  const before = await Promise.all(adminPorts.map(async (p) => (await configDump(p)).config?.version));
  await applyYaml(client, yaml);
  await waitUntil('every sidecar to take the new config', async () => {
    const now = await Promise.all(adminPorts.map(async (p) => (await configDump(p)).config?.version));
    return now.every((v, i) => v !== undefined && v !== before[i]);
  }, 15_000);
}

/** Sidecar A's config holds a cluster of service `backend` whose endpoints include B's inbound port. */
async function holdsEndpoint(adminPort: number, inboundPort: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/config_dump`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) return false;
  const dump = (await res.json()) as ConfigDump;
  return (dump.config?.clusters ?? []).some((c) => (c.service ?? '').startsWith('backend') && (c.endpoints ?? []).some((e) => e.port === inboundPort));
}

export async function startWeftChain(o: WeftChainOptions): Promise<Chain> {
  const started: PinnedChild[] = [];
  const stop = async (): Promise<void> => {
    // Sidecars first (they deregister), then the control plane.
    for (const c of [...started].reverse()) await c.stop();
  };
  try {
    const cpPort = await freePort();
    const stateDir = join(o.workDir, `${o.config?.name ?? 'weft'}-state${o.cpuProfDir === undefined ? '' : '-profile'}`);
    const cpArgs = o.launcher === 'cli'
      ? [join(o.root, 'bin/weft.js'), 'control-plane', '--state-dir', stateDir, '--port', String(cpPort)]
      : [join(o.root, 'bench/e2e/weft-launcher.ts'), 'control-plane', JSON.stringify({ stateDir, port: cpPort })];
    // The control plane is not on the measured path: it runs beside the load generator, at the
    // generator's priority. (Unboosted, it got no CPU while the fixed-rate generator polled; its
    // leases then lapsed and sidecar A answered 503 UH until the sidecars registered again.)
    const cp = spawnPinned({ name: 'weft control-plane', cpu: CLIENT_CPU, command: process.execPath, args: cpArgs, cwd: o.root, env: { ...process.env, WEFT_LOG_LEVEL: logLevel() }, onLine: () => {}, boost: o.boost, ...logFile(o, 'control-plane') });
    started.push(cp);
    const cpUrl = `https://127.0.0.1:${cpPort}`;
    await waitUntil(`the control plane at ${cpUrl}/healthz`, async () => {
      assertAlive(cp);
      return cpClient(cpUrl, stateDir).health().then((h) => h.ok, () => false);
    }, 20_000);
    if (o.config !== undefined) await applyYaml(cpClient(cpUrl, stateDir), o.config.yaml);
    let applied = o.config?.yaml;

    const [aOut, aIn, aAdmin, bOut, bIn, bAdmin] = await Promise.all(Array.from({ length: 6 }, freePort)) as [number, number, number, number, number, number];
    const b = await startSidecar(o, cpUrl, stateDir, { role: 'sidecar-B-backend', service: 'backend', workload: 'backend-bench', appPort: o.backendPort, outboundPort: bOut, inboundPort: bIn, adminPort: bAdmin });
    started.push(b);
    // Sidecar A fronts a `client` app that nothing calls: its app port is never dialled.
    const a = await startSidecar(o, cpUrl, stateDir, { role: 'sidecar-A-client', service: 'client', workload: 'client-bench', appPort: 9, outboundPort: aOut, inboundPort: aIn, adminPort: aAdmin });
    started.push(a);
    for (const [c, admin] of [[a, aAdmin], [b, bAdmin]] as const) {
      await waitUntil(`${c.name} /ready`, async () => {
        assertAlive(c);
        return httpOk(`http://127.0.0.1:${admin}/ready`);
      }, 30_000);
    }
    await waitUntil(`sidecar A's config to hold sidecar B's endpoint (127.0.0.1:${bIn})`, () => holdsEndpoint(aAdmin, bIn), 30_000);

    const how = o.launcher === 'cli' ? '`weft control-plane` / `weft proxy` (bin/weft.js)' : 'bench/e2e/weft-launcher.ts (startControlPlane / startProxy in a child process)';
    const chain: Chain = {
      name: o.config?.name ?? 'weft',
      description: `client → Weft sidecar A (outbound listener, plain HTTP, Host backend:8080) → mTLS → Weft sidecar B (inbound) → backend; started with ${how}; access log ${o.accessLogFile === undefined ? accessLogWords(o.accessLog) : 'sink: a file per sidecar (to show that nothing is logged)'}; control plane on CPU ${CLIENT_CPU}${o.config === undefined ? '' : `; ${o.config.words}`}`,
      target: { host: '127.0.0.1', port: aOut, hostHeader: `backend:${SERVICE_PORT}`, path: '/' },
      proxies: [{ role: 'sidecar A (outbound)', pid: a.pid }, { role: 'sidecar B (inbound, mTLS)', pid: b.pid }],
      failure: () => firstFailure(started),
      stop,
      telemetry: () => telemetryLine(o, [[a, aAdmin], [b, bAdmin]]),
      reconfigure: async (yaml) => {
        // The same YAML again changes nothing, and no new version would come.
        if (yaml === applied) return;
        await reconfigure(cpClient(cpUrl, stateDir), [aAdmin, bAdmin], yaml);
        applied = yaml;
      },
      requestsCounted: async () => {
        let sum = 0;
        for (const admin of [aAdmin, bAdmin]) sum += sumIstioRequests(await (await fetch(`http://127.0.0.1:${admin}/stats/prometheus`, { signal: AbortSignal.timeout(5_000) })).text());
        return sum;
      },
    };
    await smokeTest(chain);
    return chain;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Applies YAML through the control plane's API, as `weft apply` does; any error aborts the run. */
async function applyYaml(client: ControlPlaneClient, yaml: string): Promise<void> {
  const body = await client.apply([{ name: 'bench-config.yaml', text: yaml }]);
  if (!body.ok) throw new Error(`applying the chain's Istio config failed: ${JSON.stringify(body.errors)}`);
}

interface TracingDump {
  readonly tracing?: { readonly exporters?: readonly { readonly target?: string; readonly exported?: number; readonly dropped?: number; readonly failed?: number; readonly queued?: number }[] } | null;
}

/**
 * In a sidecar's `/stats/prometheus`: how many `istio_requests_total` series, how many samples of
 * any other Istio family but `istio_build` (a constant gauge served even with metrics off), and
 * the requests answered with anything but 200, by code and response flags ("503 UC: 12"), which
 * is how a run tells what its errors were without an access log.
 */
export function countIstioSamples(text: string): { readonly requestSeries: number; readonly otherSamples: number; readonly non200: readonly string[] } {
  let requestSeries = 0;
  let otherSamples = 0;
  const non200: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('istio_requests_total')) {
      requestSeries++;
      const code = /[{,]response_code="([^"]*)"/.exec(line)?.[1];
      if (code !== undefined && code !== '200') non200.push(`${code} ${/[{,]response_flags="([^"]*)"/.exec(line)?.[1] ?? '?'}: ${line.slice(line.lastIndexOf(' ') + 1)}`);
    } else if (line.startsWith('istio_') && !line.startsWith('istio_build')) otherSamples++;
  }
  return { requestSeries, otherSamples, non200 };
}

/** The sum of every istio_requests_total sample in a Prometheus text page. */
export function sumIstioRequests(text: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('istio_requests_total')) sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  return sum;
}

/** Issue 5: per sidecar, the Istio metric samples it serves, its spans exported per destination, and its access-log bytes (when logged to a file). */
async function telemetryLine(o: WeftChainOptions, sidecars: readonly (readonly [PinnedChild, number])[]): Promise<string> {
  const parts: string[] = [];
  for (const [c, admin] of sidecars) {
    const role = c.name.replace(/^weft /, '');
    const prom = await fetch(`http://127.0.0.1:${admin}/stats/prometheus`, { signal: AbortSignal.timeout(5_000) });
    const m = countIstioSamples(await prom.text());
    const dump = (await (await fetch(`http://127.0.0.1:${admin}/config_dump`, { signal: AbortSignal.timeout(5_000) })).json()) as TracingDump;
    const exporters = (dump.tracing?.exporters ?? []).map((e) => `to ${e.target ?? '?'}: exported ${e.exported ?? 0}, dropped ${e.dropped ?? 0}, failed ${e.failed ?? 0}, queued ${e.queued ?? 0}`);
    let log = '';
    if (o.accessLogFile !== undefined) {
      const file = `${o.accessLogFile}-${role}.log`;
      log = `, access log ${existsSync(file) ? statSync(file).size : 0} bytes`;
    }
    const answers = m.non200.length === 0 ? '' : `, answers other than 200 (code flags: requests) ${m.non200.join(', ')}`;
    parts.push(`${role}: ${m.requestSeries} istio_requests_total series and ${m.otherSamples} other istio_* samples${answers}${log}; spans ${exporters.length === 0 ? 'none (no exporter)' : exporters.join('; ')}`);
  }
  return parts.join(' | ');
}

export function accessLogWords(mode: AccessLogMode): string {
  return mode === 'devnull' ? 'on, one JSON line per request written to /dev/null' : mode === 'off' ? 'off' : 'on, to a pipe read and dropped by the bench';
}
