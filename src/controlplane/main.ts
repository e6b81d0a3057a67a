/**
 * The control plane's composition root: opens the state directory (resource store, registry, CA),
 * wires the push server and the HTTP API to them, and listens on loopback.
 *
 * State directory (one control plane at a time; see store/state-lock.ts), by precedence:
 *   1. the `stateDir` option (`weft control-plane --state-dir DIR`),
 *   2. `$WEFT_STATE_DIR`,
 *   3. `${XDG_STATE_HOME:-$HOME/.local/state}/weft` (the XDG base-directory spec's place for state).
 * It holds resources.json (the applied config), registry.json (services and workloads), ca/ (the
 * root certificate and key), lock, and (issue 4) admin-token and join-token.key (0600) and
 * root-cert.pem (a public copy of the mesh root, what clients verify the API's HTTPS with).
 * Created with mode 0700: it holds the CA's private key and the admin credential.
 *
 * The API is HTTPS (a server certificate from the mesh CA, issued at each start) and every route
 * is authenticated (auth/authenticate.ts; docs/security.md).
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import pkg from '../../package.json' with { type: 'json' };
import { validateBatch } from '../api/analyze.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { WeftError } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { Authenticator } from './auth/authenticate.ts';
import { loadOrCreateSecrets, writeRootCopy } from './auth/credentials.ts';
import { DEFAULT_JOIN_TOKEN_TTL_MS, JoinTokenIssuer } from './auth/join-token.ts';
import { servingTls } from './auth/serving-tls.ts';
import { CertificateAuthority } from './ca/index.ts';
import { compile } from './compile/index.ts';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from './compile/input.ts';
import { createApiServer } from './http-api/server.ts';
import { ControlPlaneMetrics, observeApi } from './telemetry/control-plane-metrics.ts';
import { FileSdWriter } from './telemetry/scrape-targets.ts';
import { DEFAULT_GRAPH_WINDOW_MS, EdgeWindow } from './telemetry/edge-window.ts';
import { TraceStore } from './telemetry/trace-store.ts';
import { PushServer } from './push/server.ts';
import { DEFAULT_LEASE_TTL_MS, ServiceRegistry } from './registry/registry.ts';
import { FsStore } from './store/fs-store.ts';
import { lockStateDir } from './store/state-lock.ts';

/** Istio's xDS port number (istiod's 15010); Weft serves it over TLS (issue 4). */
export const DEFAULT_PORT = 15010;
export const DEFAULT_HOST = '127.0.0.1';
/** How long close() lets responses in flight finish before cutting their connections. */
const CLOSE_GRACE_MS = 2_000;

export interface ControlPlaneOptions {
  readonly stateDir: string;
  /** Default 127.0.0.1. The API is authenticated (HTTPS, admin token, join tokens, mTLS), but loopback remains the safe default. */
  readonly host?: string;
  /** Default 15010; 0 picks a free port. */
  readonly port?: number;
  /** Workload lease TTL (default 10 s); sidecars renew every third of it. */
  readonly leaseTtlMs?: number;
  readonly mesh?: Partial<MeshConfig>;
  /** Issue 4: a plug-in CA directory in Istio's cacerts layout (`--ca-dir`); absent, the root in `<stateDir>/ca` is used (created on first start). */
  readonly caDir?: string;
  /** Issue 4: lifetime of workload certificates (`--workload-cert-ttl`), 2 s – 90 days; default 24 h. */
  readonly workloadCertTtlMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Issue 5: a Prometheus file_sd file kept equal to the live sidecars (`--prometheus-sd-file`). */
  readonly prometheusSdFile?: string;
  /** Issue 5: how far back the service graph looks (`--graph-window`); default 60 s. */
  readonly graphWindowMs?: number;
}

export interface RunningControlPlane {
  /** "https://127.0.0.1:15010". */
  readonly url: string;
  readonly port: number;
  readonly stateDir: string;
  /** Issue 4: the admin bearer token (also in `<stateDir>/admin-token`). */
  readonly adminToken: string;
  /** Issue 4: the mesh root(s), PEM: what clients verify the API's certificate with (also in `rootCertFile`). */
  readonly rootCertPem: string;
  readonly rootCertFile: string;
  /** Issue 4: a join token for one identity, as POST /v1/tokens mints it (for in-process callers: tests, benchmarks). */
  mintJoinToken(namespace: string, serviceAccount: string, ttlMs?: number): string;
  /** Ends the push streams, stops the timers, closes the server, then the store and registry. */
  close(): Promise<void>;
}

/** The state directory when none is given (see the module comment). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEFT_STATE_DIR) return resolve(env.WEFT_STATE_DIR);
  const stateHome = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : join(env.HOME ?? homedir(), '.local', 'state');
  return resolve(stateHome, 'weft');
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<RunningControlPlane> {
  const logger = opts.logger ?? createLogger('control-plane');
  const clock = opts.clock ?? systemClock;
  const mesh: MeshConfig = { ...DEFAULT_MESH_CONFIG, ...opts.mesh };
  const stateDir = resolve(opts.stateDir);
  const host = opts.host ?? DEFAULT_HOST;
  const cleanup: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await step();
  };

  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const lock = await lockStateDir(stateDir);
    cleanup.push(() => lock.release());
    const store = await FsStore.open({ dir: stateDir, logger });
    cleanup.push(() => store.close());
    const registry = await ServiceRegistry.open(stateDir, { leaseTtlMs: opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS, clock, logger });
    cleanup.push(() => registry.close());
    const ca = await CertificateAuthority.loadOrCreate({
      dir: join(stateDir, 'ca'),
      trustDomain: mesh.trustDomain,
      logger,
      clock,
      ...(opts.caDir === undefined ? {} : { pluginDir: resolve(opts.caDir) }),
      ...(opts.workloadCertTtlMs === undefined ? {} : { defaultTtlMs: opts.workloadCertTtlMs }),
    });
    const secrets = await loadOrCreateSecrets(stateDir, logger);
    await writeRootCopy(secrets.rootCertFile, ca.rootCertPem);
    const joinTokens = new JoinTokenIssuer(secrets.joinTokenKey, ca.rootCertPem);
    const auth = new Authenticator({
      adminToken: secrets.adminToken,
      joinTokens,
      trustDomain: mesh.trustDomain,
      workload: (namespace, name) => registry.get(namespace, name),
      clock,
      logger,
    });
    const tls = await servingTls(ca, host);
    // Issue 5: the control plane's metrics (gauges read at scrape time) and the file_sd targets file.
    const metrics = new ControlPlaneMetrics({
      connectedProxies: (): number => push.connections,
      registeredWorkloads: () => registry.snapshot().workloads.length,
      registeredServices: () => registry.snapshot().services.length,
    }, pkg.version);
    if (opts.prometheusSdFile !== undefined) {
      const sd = new FileSdWriter(resolve(opts.prometheusSdFile), registry, logger);
      await sd.update();
      cleanup.push(() => sd.close());
    }
    const push = new PushServer({ store, registry, compile, mesh, clock, logger, metrics });
    cleanup.push(() => push.close());
    // Issue 5: the sidecars' telemetry reports over a sliding window, for the service graph.
    const graph = new EdgeWindow({ windowMs: opts.graphWindowMs ?? DEFAULT_GRAPH_WINDOW_MS, clock });
    // Issue 5: recent traces from the sidecars' spans (bounded: trace-store.ts), for `weft traces`.
    const traces = new TraceStore();
    const server = createApiServer({ store, registry, push, ca, validate: validateBatch, version: pkg.version, logger, clock, tls, joinTokens, auth, metrics, graph, traces });
    observeApi(server, metrics);
    await listen(server, opts.port ?? DEFAULT_PORT, host);
    cleanup.push(() => new Promise<void>((done) => {
      // End the streams cleanly first, so proxies see end-of-stream rather than a reset.
      push.close();
      // Wall time on purpose: a test's virtual clock must not keep sockets open.
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      server.close(() => {
        clearTimeout(force);
        done();
      });
      server.closeIdleConnections();
    }));

    const port = (server.address() as AddressInfo).port;
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ url, stateDir, revision: store.revision }, `control plane listening on ${url}, state in ${stateDir}`);
    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      stateDir,
      adminToken: secrets.adminToken,
      rootCertPem: ca.rootCertPem,
      rootCertFile: secrets.rootCertFile,
      mintJoinToken: (namespace, serviceAccount, ttlMs = DEFAULT_JOIN_TOKEN_TTL_MS) => joinTokens.mint(namespace, serviceAccount, clock.now() + ttlMs),
      close: () => (closing ??= unwind().then(() => logger.info('control plane stopped'))),
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        fail(new WeftError('WEFT_PORT_IN_USE', `port ${port} on ${host} is already in use (another control plane?); stop it or choose another with --port`, { cause: err }));
      } else {
        fail(new WeftError('WEFT_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      done();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
