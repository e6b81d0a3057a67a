// `weft demo`: the seed's canary end to end — control plane, six workloads through `weft run`, the canary YAML applied verbatim, live traffic split — then a clean stop.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneClient } from '../cli/client.ts';
import { adminToken, caPem } from '../cli/credentials.ts';
import { applySources } from '../cli/commands/apply.ts';
import { ExitCode } from '../cli/exit-codes.ts';
import { println, useColor, type Io, type TextSink } from '../cli/io.ts';
import { watchStopSignals } from '../cli/stop-signal.ts';
import { ChildExitedError, DemoChildren, type DemoChild } from './children.ts';
import { startLiveView } from './live-view.ts';
import { printObservability } from './observability.ts';
import { Tally } from './tally.ts';
import { CANARY_YAML, DEMO_WORKLOADS, SERVICE_PORT, TRACING_YAML, type DemoWorkload } from './topology.ts';
import { driveTraffic } from './traffic.ts';

/** The control plane's URL in its output: the CLI's stdout line, or its log line ("listening on <url>, state in …"), whichever comes first. */
export const CONTROL_PLANE_URL_LINE = /listening on (https?:\/\/[^\s,]+)/;

export interface DemoOptions {
  /** Traffic for this long, then stop (ms); runs until Ctrl-C when neither limit is given. */
  readonly durationMs?: number | undefined;
  /** Send this many requests, then stop. */
  readonly requests?: number | undefined;
  /** Control plane state directory; a temporary one (removed at the end) when absent. */
  readonly stateDir?: string | undefined;
  /** Requests per second. */
  readonly rate: number;
}

const CONTROL_PLANE_START_MS = 30_000;
const WORKLOADS_START_MS = 60_000;
const SYNC_WAIT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

/** A step of the demo failed; `child` (when known) is the process whose last lines explain why. */
class DemoFailure extends Error {
  readonly exitCode: number;
  readonly child: DemoChild | undefined;
  constructor(message: string, exitCode: number, child?: DemoChild) {
    super(message);
    this.exitCode = exitCode;
    this.child = child;
  }
}

export async function runDemo(o: DemoOptions, io: Io): Promise<number> {
  const out = (line = ''): void => println(io.stdout, line);
  const workdir = await mkdtemp(join(tmpdir(), 'weft-demo-'));
  const children = new DemoChildren();
  const abort = new AbortController();
  // First Ctrl-C: stop cleanly. Second: kill every process group now.
  const stop = watchStopSignals(() => children.killAllNow());
  void stop.stopped.then((sig) => abort.abort(new Error(sig)));
  const killOnExit = (): void => children.killAllNow();
  process.on('exit', killOnExit);

  const stateDir = o.stateDir ?? join(workdir, 'state');
  // The children find the control plane's credentials in its state directory (issue 4): weft run mints its own join tokens.
  const env = { ...childEnv(io.env), WEFT_STATE_DIR: stateDir };
  let trafficStarted = false;
  let code: number = ExitCode.OK;

  out('weft demo — the canary of the seed: api-gateway → order-service v1/v2 → user-service v1/v2, payment-service');
  try {
    // 1. Control plane.
    const cp = children.spawnWeft('control-plane', ['control-plane', '--port', '0', '--state-dir', stateDir], env);
    const m = await within(cp.waitForLine(CONTROL_PLANE_URL_LINE, abort.signal), CONTROL_PLANE_START_MS, 'the control plane did not start', cp);
    const url = m[1]!;
    const client = new ControlPlaneClient(url, async () => ({ token: await adminToken({ stateDir }, env), caPem: await caPem({ stateDir }, env) }));
    out(`✓ control plane on ${url}`);

    // 2. Workloads, all at once; each reported when its app listens (its sidecar was ready before).
    let gatewayPort = 0;
    const started = DEMO_WORKLOADS.map((w) => {
      const child = children.spawnWeft(`${w.service} ${w.version}`, runArgs(url, w), { ...env, VERSION: w.version });
      // weft run picks the app port and says which; the demo's client calls api-gateway's app there.
      const appPort = child.waitForLine(/; app port (\d+)$/, abort.signal);
      const listening = child.waitForLine(/listening on 127\.0\.0\.1:\d+/, abort.signal);
      return within(Promise.all([appPort, listening]), WORKLOADS_START_MS, `${w.service} ${w.version} did not start`, child)
        .then(([m]) => {
          if (w.service === 'api-gateway') gatewayPort = Number(m[1]);
          out(`✓ ${w.service} ${w.version} ready`);
        });
    });
    await Promise.all(started);

    // 3. The seed's YAML, verbatim, through the same path as `weft apply -f`.
    const canary = join(workdir, 'canary.yaml');
    await writeFile(canary, await readFile(CANARY_YAML, 'utf8'));
    const gatewayBefore = (await client.proxies()).find((p) => p.service === 'api-gateway')?.ackedVersion ?? null;
    out(`✓ applying the seed's canary (${canary}):`);
    const applied = await applySources(client, [{ name: canary, text: await readFile(canary, 'utf8') }], indented(io, '    '));
    if (applied !== ExitCode.OK) throw new DemoFailure('the canary was rejected', applied);
    out('✓ applying the seed\'s tracing block (IstioOperator, 100 % sampling):');
    const traced = await applySources(client, [{ name: TRACING_YAML, text: await readFile(TRACING_YAML, 'utf8') }], indented(io, '    '));
    if (traced !== ExitCode.OK) throw new DemoFailure('the tracing block was rejected', traced);
    if (!(await waitForSync(client, gatewayBefore, abort.signal))) {
      out('  (the sidecars have not all acknowledged the new config yet; the first requests may follow the old routes)');
    }

    // 4. Traffic, with the chart live.
    const interactive = o.durationMs === undefined && o.requests === undefined;
    if (interactive) printTryNext(out, url, canary, true, stateDir);
    out(`→ ${o.rate} requests/s to api-gateway, every 5th with "user-type: beta"; which order-service version answers:`);
    const tally = new Tally();
    let firstFailure: string | undefined;
    trafficStarted = true;
    const view = startLiveView(io.stdout, tally, { tty: io.stdout.isTTY === true, color: useColor(io.stdout, io.env) });
    try {
      await driveTraffic({
        baseUrl: `http://127.0.0.1:${gatewayPort}`,
        rate: o.rate,
        maxRequests: o.requests,
        deadline: o.durationMs === undefined ? undefined : Date.now() + o.durationMs,
        signal: abort.signal,
        onOutcome: (x) => tally.record(x),
        onFailure: (detail) => { firstFailure ??= detail; },
      });
    } finally {
      view.stop();
    }
    if (firstFailure !== undefined) out(`  first failed request: ${firstFailure}`);
    if (tally.succeeded === 0 && tally.failed > 0) {
      const gw = children.all.find((c) => c.name.startsWith('api-gateway'));
      throw new DemoFailure('no request got through the mesh', ExitCode.START_FAILED, gw);
    }
    await printObservability(out, client, { url, stateDir, sent: tally.succeeded + tally.failed });
    if (!interactive) printTryNext(out, url, canary, false, stateDir);
  } catch (err) {
    if (abort.signal.aborted && !(err instanceof DemoFailure)) {
      println(io.stderr, trafficStarted ? '' : 'interrupted');
      code = trafficStarted ? ExitCode.OK : ExitCode.INTERRUPTED;
    } else if (err instanceof DemoFailure) {
      println(io.stderr, `✗ ${err.message}`);
      if (err.child !== undefined) {
        println(io.stderr, `  last lines of ${err.child.name}:`);
        for (const l of err.child.tail()) println(io.stderr, `    ${l}`);
      }
      code = err.exitCode;
    } else {
      throw err;
    }
  } finally {
    out('stopping the workloads and the control plane…');
    // Workloads first, so that they leave the registry while the control plane still listens.
    await children.stopAll(STOP_GRACE_MS, (c) => (c.name === 'control-plane' ? 1 : 0));
    process.off('exit', killOnExit);
    stop.dispose();
    await rm(workdir, { recursive: true, force: true });
    out('✓ stopped; nothing left running');
  }
  return code;
}

function runArgs(url: string, w: DemoWorkload): string[] {
  return [
    '--control-plane', url, 'run',
    '--service', w.service, '--version', w.version, '--port', String(SERVICE_PORT),
    '--access-log', 'off',
    '--', process.execPath, w.script,
  ];
}

/** The environment for the children: the user's, without proxy settings that would send the mesh's own calls elsewhere. */
function childEnv(env: Io['env']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const k of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy', 'NODE_USE_ENV_PROXY', 'WEFT_CONTROL_PLANE', 'WEFT_TOKEN', 'WEFT_JOIN_TOKEN', 'WEFT_CA_FILE']) delete out[k];
  return out;
}

/**
 * After an apply, waits until api-gateway's sidecar (the one that routes order-service calls)
 * acknowledged a config other than `before` and every sidecar is synced. False on timeout.
 */
async function waitForSync(client: ControlPlaneClient, before: string | null, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + SYNC_WAIT_MS;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const ps = await client.proxies();
    const gw = ps.find((p) => p.service === 'api-gateway');
    if (gw !== undefined && gw.ackedVersion !== before && ps.length >= DEMO_WORKLOADS.length && ps.every((p) => p.state === 'SYNCED')) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function printTryNext(out: (line?: string) => void, url: string, canary: string, live: boolean, stateDir: string): void {
  out();
  out(live ? 'The mesh is up. In another terminal, try:' : 'Next: run `weft demo` without --duration to keep the mesh up, then in another terminal:');
  out(`  export WEFT_CONTROL_PLANE=${live ? url : '<the URL it prints>'}`);
  out(`  export WEFT_STATE_DIR=${live ? stateDir : '<its state directory>'}   # where the CLI finds the admin token and the root`);
  out('  weft proxy-status            # every sidecar, synced to the canary\'s config');
  out('  weft get vs -o yaml          # the VirtualService as stored');
  out('  weft graph                   # the service graph: who calls whom, rates, errors, latency, mTLS');
  out(`  edit the weights (90/10) in ${live ? canary : 'its canary.yaml'}, then \`weft apply -f\` it${live ? ' and watch the chart move' : ''}`);
  if (live) out('Ctrl-C here stops everything.');
  out();
}

/** Rejects with a DemoFailure when `p` takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string, child: DemoChild): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p.catch((err: unknown) => {
        // An abort is the user's Ctrl-C; anything else means the child died before it was ready.
        if (err instanceof ChildExitedError) throw new DemoFailure(`${what}: ${(err as Error).message}`, ExitCode.START_FAILED, child);
        throw err;
      }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new DemoFailure(`${what} within ${ms / 1000}s`, ExitCode.START_FAILED, child)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An Io whose lines are indented (apply's output nested under the demo's step). */
function indented(io: Io, prefix: string): Io {
  const wrap = (s: TextSink): TextSink => ({ write: (t: string) => s.write(t.replace(/^(?=.)/gm, prefix)), isTTY: s.isTTY });
  return { ...io, stdout: wrap(io.stdout), stderr: wrap(io.stderr) };
}
