// `weft run`: starts the sidecar in process, waits until it holds a certificate and a config, then runs the unmodified app through it and exits with the app's status.
import { request } from 'node:https';
import { constants } from 'node:os';
import type { Logger } from '../lib/log.ts';
import { WeftError, messageOf } from '../lib/errors.ts';
import type { LineSink, ProxyOptions, RunningProxy } from '../proxy/options.ts';
import { ExitCode } from '../cli/exit-codes.ts';
import { FORWARDED_SIGNALS, forwardSignals, startApp } from './app-process.ts';
import { describeExit } from './exit-status.ts';
import { findExecutable } from './executable.ts';
import { reservePort, type PortReservation } from './free-port.ts';
import { workloadIdentity, type IdentityFlags, type WorkloadIdentity } from './identity.ts';
import { proxyEnv } from './proxy-env.ts';

/** Issue 4: what the sidecar authenticates with, and verifies the control plane with. */
export interface SidecarCredentials {
  /** The mesh root(s), PEM. */
  readonly controlPlaneCa: string;
  /** A join token for the workload's namespace and service account. */
  readonly joinToken: string;
}

export interface RunOptions {
  readonly controlPlane: string;
  /**
   * Issue 4: obtains the sidecar's credentials for the workload's identity (the CLI: --token /
   * WEFT_JOIN_TOKEN, or a token minted with the admin credential). Called after the flags and the
   * executable are checked, before anything starts.
   */
  readonly credentials: (id: WorkloadIdentity) => Promise<SidecarCredentials>;
  readonly identity: IdentityFlags;
  /** The service port callers use in URLs. */
  readonly servicePort: number;
  /** Where the app listens; a free port when absent. */
  readonly appPort?: number | undefined;
  /** The app's command and arguments (what follows `--`). */
  readonly command: readonly string[];
  /** How long to wait for the sidecar's certificate and first config. */
  readonly readyTimeoutMs: number;
  /** The sidecar's access log; undefined keeps the sidecar's default (stdout). */
  readonly accessLog?: LineSink | null | undefined;
  /** Longest route regex the sidecar accepts; undefined keeps the sidecar's default. */
  readonly maxRegexLength?: number | undefined;
  /** SPIFFE trust domain of the mesh (issue 4); default cluster.local. */
  readonly trustDomain?: string | undefined;
}

export interface RunDeps {
  readonly startProxy: (o: ProxyOptions) => Promise<RunningProxy>;
  /** One human-readable progress line (to stderr). */
  readonly progress: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
}

/** Why `weft run` could not run the app; `status` is what it exits with. */
export class RunError extends WeftError {
  readonly status: number;
  readonly hint: string | undefined;
  constructor(code: string, message: string, status: number, hint?: string, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.hint = hint;
  }
}

const PROGRESS_EVERY_MS = 5000;

/** Runs the workload to its end; resolves to the exit status (the app's, or 128 + signal). */
export async function runWorkload(o: RunOptions, deps: RunDeps): Promise<number> {
  const [file] = o.command;
  if (file === undefined || file === '') {
    throw new RunError('WEFT_RUN_NO_COMMAND', 'no command to run', ExitCode.USAGE, 'put the app\'s command after `--`, e.g. weft run --service web --port 8080 -- node server.js');
  }
  // Flag mistakes first (usage), then a missing executable, then the network.
  const id = workloadIdentity(o.identity);
  const found = await findExecutable(file, deps.env.PATH);
  if (!found.ok) {
    throw found.reason === 'not-found'
      ? new RunError('WEFT_RUN_COMMAND_NOT_FOUND', `cannot run "${file}": no such executable${file.includes('/') ? '' : ' in PATH'}`, ExitCode.COMMAND_NOT_FOUND, 'check the spelling, or give its path')
      : new RunError('WEFT_RUN_COMMAND_NOT_EXECUTABLE', `cannot run "${found.path ?? file}": not executable`, ExitCode.CANNOT_EXECUTE, `make it executable (chmod +x) or run it through its interpreter`);
  }
  const label = `${id.service}${o.identity.version === undefined ? '' : ` ${o.identity.version}`}`;

  // Signals before the app exists stop the start-up; afterwards they are forwarded to the app.
  const startup = new AbortController();
  let startupSignal: NodeJS.Signals | null = null;
  const startupHandlers = FORWARDED_SIGNALS.map((sig) => {
    const h = (): void => { startupSignal ??= sig; startup.abort(); };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const removeStartupHandlers = (): void => { for (const [sig, h] of startupHandlers) process.off(sig, h); };

  let proxy: RunningProxy | null = null;
  let reserved: PortReservation | null = null;
  try {
    const creds = await o.credentials(id);
    await checkControlPlane(o.controlPlane, creds.controlPlaneCa, startup.signal);
    // Held until the app starts, so that the sidecar's own listeners cannot take it.
    const appPort = o.appPort ?? (reserved = await reservePort()).port;
    deps.progress(`starting sidecar for ${label} (workload ${id.workload}.${id.namespace}, control plane ${o.controlPlane})`);
    const started = Date.now();
    const ticker = setInterval(() => deps.progress(`still waiting for the sidecar of ${label} (${Math.round((Date.now() - started) / 1000)}s): it needs a certificate and a config from ${o.controlPlane}`), PROGRESS_EVERY_MS);
    try {
      const pending = startSidecar(deps, proxyOptions(o, id, appPort, creds));
      // A sidecar that finishes starting after Ctrl-C is drained, not leaked.
      proxy = await untilAborted(pending, startup.signal, () => { void pending.then((late) => drainQuietly(late, deps), () => {}); });
      await readyWithin(proxy, o, label, startup.signal);
    } finally {
      clearInterval(ticker);
    }
    deps.progress(`sidecar for ${label} ready: outbound 127.0.0.1:${proxy.outboundPort} inbound 127.0.0.1:${proxy.inboundPort} admin 127.0.0.1:${proxy.adminPort}; app port ${appPort}`);

    await reserved?.release();
    const app = startApp(o.command, proxyEnv(deps.env, { appPort, outboundPort: proxy.outboundPort }));
    removeStartupHandlers();
    const stopForwarding = forwardSignals(app);
    // Should weft run itself die (a bug, an uncaught error), the app must not outlive it.
    const killOnExit = (): void => app.kill('SIGTERM');
    process.once('exit', killOnExit);
    const end = await app.exited;
    stopForwarding();
    process.off('exit', killOnExit);
    if (end.spawnError !== undefined) {
      deps.progress(`cannot start "${file}": ${end.spawnError.message}`);
    }
    await drainQuietly(proxy, deps);
    proxy = null;
    deps.progress(`${label} ${end.spawnError === undefined ? describeExit(end.code, end.signal) : 'did not start'}; sidecar drained`);
    return end.status;
  } catch (err) {
    if (startupSignal !== null) {
      deps.progress(`${startupSignal}: stopping before the app started`);
      return 128 + constants.signals[startupSignal];
    }
    throw err;
  } finally {
    await reserved?.release();
    removeStartupHandlers();
    if (proxy !== null) await drainQuietly(proxy, deps);
  }
}

function proxyOptions(o: RunOptions, id: WorkloadIdentity, appPort: number, creds: SidecarCredentials): ProxyOptions {
  return {
    controlPlane: o.controlPlane,
    controlPlaneCa: creds.controlPlaneCa,
    joinToken: creds.joinToken,
    workload: id.workload,
    namespace: id.namespace,
    service: id.service,
    serviceAccount: id.serviceAccount,
    labels: id.labels,
    servicePort: o.servicePort,
    appPort,
    startTimeoutMs: o.readyTimeoutMs,
    ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
    ...(o.maxRegexLength === undefined ? {} : { maxRegexLength: o.maxRegexLength }),
    ...(o.trustDomain === undefined ? {} : { trustDomain: o.trustDomain }),
  };
}

async function startSidecar(deps: RunDeps, opts: ProxyOptions): Promise<RunningProxy> {
  try {
    return await deps.startProxy(deps.logger === undefined ? opts : { ...opts, logger: deps.logger });
  } catch (err) {
    throw new RunError('WEFT_RUN_SIDECAR_FAILED', `the sidecar could not start: ${messageOf(err)}`, ExitCode.START_FAILED, 'the app was not started; see the sidecar\'s log above', err);
  }
}

/** The sidecar's `ready`, or a RunError when it fails or takes longer than --ready-timeout; rejects at once when `signal` aborts. */
async function readyWithin(proxy: RunningProxy, o: RunOptions, label: string, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = proxy.ready.catch((err: unknown) => {
      throw new RunError('WEFT_RUN_SIDECAR_FAILED', `the sidecar for ${label} failed: ${messageOf(err)}`, ExitCode.START_FAILED, 'the app was not started', err);
    });
    // Once the race is decided otherwise, a late failure has no one to tell.
    ready.catch(() => {});
    await untilAborted(Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RunError('WEFT_RUN_SIDECAR_NOT_READY',
          `the sidecar for ${label} got no config within ${Math.round(o.readyTimeoutMs / 1000)}s`, ExitCode.START_FAILED,
          `the app was not started; check that the control plane at ${o.controlPlane} is healthy (weft proxy-status), or wait longer with --ready-timeout`)), o.readyTimeoutMs);
      }),
    ]), signal);
  } finally {
    clearTimeout(timer);
  }
}

/** `p`, unless `signal` aborts first: then rejects with its reason and calls `onLate` so that `p`'s result is cleaned up. */
async function untilAborted<T>(p: Promise<T>, signal: AbortSignal, onLate: () => void = () => {}): Promise<T> {
  if (signal.aborted) {
    onLate();
    throw signal.reason;
  }
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        onAbort = () => { onLate(); reject(signal.reason); };
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

/** Fails fast, with the fix, when nothing answers at the control plane URL. */
/** Any HTTPS answer counts (even 401: /healthz needs the admin credential); a TLS failure or silence does not. */
async function checkControlPlane(url: string, ca: string, signal: AbortSignal): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${url}/healthz`, { ca, agent: false, timeout: 5000, signal }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 5000 ms')));
      req.on('error', reject);
      req.end();
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new RunError('WEFT_CONTROL_PLANE_UNREACHABLE', `the sidecar needs the control plane, and nothing answers at ${url}`, ExitCode.UNREACHABLE,
      'start one with `weft control-plane` or set WEFT_CONTROL_PLANE (or --control-plane URL); the app was not started', err);
  }
}

async function drainQuietly(proxy: RunningProxy, deps: RunDeps): Promise<void> {
  try {
    await proxy.drain();
  } catch (err) {
    deps.progress(`sidecar drain failed: ${messageOf(err)}`);
  }
}
