/**
 * startProxy: the sidecar's composition root. Obtains the workload certificate, opens the
 * outbound (plain, from the app), inbound (mTLS, from peers) and admin listeners, registers the
 * workload and follows the control plane's push stream. Ready once it holds a certificate and a
 * config.
 *
 *   app ─▶ outbound :O ─▶ router ─▶ cluster ─▶ pool ═mTLS═▶ peer inbound :I ─▶ pool ─▶ peer app
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { messageOf } from '../lib/errors.ts';
import { createLogger } from '../lib/log.ts';
import type { CertificateRequest, CertificateResponse, WorkloadRegistration } from '../model/control-protocol.ts';
import { proxyIdOf } from '../model/control-protocol.ts';
import { formatSpiffeId } from '../model/spiffe.ts';
import type { ProxyOptions, RunningProxy } from './options.ts';
import { startAdminServer, portOf } from './admin/server.ts';
import { ConfigState } from './config-client/apply.ts';
import { ConfigClient } from './config-client/client.ts';
import { ControlPlaneHttp } from './config-client/cp-http.ts';
import { inboundService } from './filters/inbound.ts';
import type { ConnectionManagerConfig } from './http/connection-manager.ts';
import { DEFAULT_ROUTE_LIMITS } from './http/route-table.ts';
import { startInboundListener } from './listener/inbound.ts';
import { startOutboundListener } from './listener/outbound.ts';
import { createRescue } from './rescue.ts';
import { AccessLog } from './telemetry/access-log.ts';
import { CertificateManager } from './transport/certificates.ts';
import { MeshTls } from './transport/tls.ts';
import { ClusterManager, singleEndpointCluster } from './upstream/cluster-manager.ts';
import { EndpointPool } from './upstream/pool.ts';

/**
 * Pool idle timeouts, below the idle timeouts of what is at the other end so the pool closes
 * first (no reuse race). Peers: a cluster's DestinationRule idleTimeout (Istio's default 1 h) is
 * capped at PEER_POOL_IDLE_MS, which with the sweeper's slack (¼) stays far below the peer
 * sidecar's DOWNSTREAM_IDLE_MS. The app: below Node's default keepAliveTimeout (5 s).
 */
const PEER_POOL_IDLE_MS = 60_000;
const APP_POOL_IDLE_MS = 4_000;
const DOWNSTREAM_IDLE_MS = 300_000;
/** Istio's default tcp.connectTimeout; a cluster's connectionPool may set another. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const host = opts.address ?? '127.0.0.1';
  const trustDomain = opts.trustDomain ?? 'cluster.local';
  const id = proxyIdOf({ workload: opts.workload, namespace: opts.namespace });
  const logger = opts.logger ?? createLogger('weft-proxy', { proxy: id });
  const spiffeId = formatSpiffeId({ trustDomain, namespace: opts.namespace, serviceAccount: opts.serviceAccount });
  const cp = new ControlPlaneHttp(opts.controlPlane);
  const accessLog = opts.accessLog === null ? null : new AccessLog(opts.accessLog ?? process.stdout);

  // 1. Identity: key made here, CSR to the CA; the private key never leaves this process.
  const certs = new CertificateManager({
    spiffeId,
    logger,
    request: (req: CertificateRequest) => cp.json<CertificateResponse>('POST', '/v1/certificates', req),
  });
  const meshTls = new MeshTls(trustDomain);
  try {
    meshTls.update(await withDeadline(certs.start(), opts.startTimeoutMs ?? 15_000, `no certificate from the control plane at ${opts.controlPlane}`));
  } catch (err) {
    certs.stop();
    cp.close();
    throw err;
  }
  certs.on('rotated', (bundle) => {
    meshTls.update(bundle);
    logger.info({ notAfter: new Date(bundle.notAfter).toISOString() }, 'workload certificate rotated');
  });

  // 2. Upstreams: peers over mTLS (identity checked per endpoint), the local app over plain TCP.
  const clusters = new ClusterManager(
    (ep, connectTimeoutMs) => () => meshTls.connect(ep.address, ep.port, ep.identity, connectTimeoutMs),
    { idleTimeoutMs: PEER_POOL_IDLE_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS },
  );
  const appPool = new EndpointPool(`127.0.0.1:${opts.appPort}`, () => connectTcp('127.0.0.1', opts.appPort, CONNECT_TIMEOUT_MS), { idleTimeoutMs: APP_POOL_IDLE_MS });
  const appCluster = singleEndpointCluster(`inbound|${opts.servicePort}||`, appPool);
  const inbound = inboundService(appCluster, () => spiffeId);
  const state = new ConfigState(clusters, { maxRegexLength: opts.maxRegexLength ?? DEFAULT_ROUTE_LIMITS.maxRegexLength }, { inbound });

  const rescue = createRescue(() => id, (err, info) => logger.error({ err: messageOf(err), stack: (err as Error)?.stack, requestId: info.requestId }, 'internal error while serving a request'));
  const common = {
    rescue,
    onStreamEnd: accessLog === null ? () => {} : (r: Parameters<ConnectionManagerConfig['onStreamEnd']>[0]) => accessLog.record(r),
    idleTimeoutMs: DOWNSTREAM_IDLE_MS,
  };

  // 3. Listeners.
  const out = await startOutboundListener(host, opts.outboundPort ?? 0, { ...common, direction: 'outbound', service: () => state.outbound });
  const inb = await startInboundListener(host, opts.inboundPort ?? 0, meshTls, { ...common, direction: 'inbound', service: () => state.inbound }, logger);
  const outboundPort = (out.server.address() as AddressInfo).port;
  const inboundPort = (inb.server.address() as AddressInfo).port;

  // 4. Control-plane session.
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => { resolveReady = r; });
  state.onApplied((c) => {
    logger.info({ version: c.version, clusters: c.clusters.length, virtualHosts: c.virtualHosts.length }, 'config applied');
    resolveReady();
  });
  const registration: WorkloadRegistration = {
    name: opts.workload,
    namespace: opts.namespace,
    service: opts.service,
    labels: opts.labels,
    serviceAccount: opts.serviceAccount,
    address: host,
    ports: [{ port: opts.servicePort, targetPort: inboundPort, protocol: 'http' }],
  };
  const session = new ConfigClient({
    http: cp,
    proxyId: id,
    registration,
    logger,
    onSnapshot: (version, config) => {
      const reason = state.apply(version, config);
      if (reason !== null) logger.warn({ version, reason }, 'config rejected (NACK); serving the previous one');
      return reason;
    },
  });
  session.start();

  const admin = await startAdminServer(host, opts.adminPort ?? 0, {
    ready: () => state.current !== null && meshTls.ready,
    configDump: () => ({
      node: { id, workload: opts.workload, namespace: opts.namespace, service: opts.service, labels: opts.labels },
      listeners: { outbound: `${host}:${outboundPort}`, inbound: `${host}:${inboundPort}`, app: `127.0.0.1:${opts.appPort}` },
      controlPlane: { url: opts.controlPlane, connected: session.connected, lastVersion: session.lastVersion },
      certificate: { spiffeId, notAfter: new Date(certs.current().notAfter).toISOString() },
      lastRejected: state.lastRejection,
      config: state.current,
    }),
  });
  const adminPort = portOf(admin);
  logger.info({ outboundPort, inboundPort, adminPort, appPort: opts.appPort }, 'sidecar listening');

  let drained: Promise<void> | null = null;
  return {
    id,
    outboundPort,
    inboundPort,
    adminPort,
    ready,
    drain(graceMs = 5_000): Promise<void> {
      drained ??= (async () => {
        await session.stop(true);
        out.server.close();
        inb.server.close();
        await Promise.all([out.tracker.drain(graceMs), inb.tracker.drain(graceMs)]);
        accessLog?.flush();
        clusters.destroy();
        appPool.destroy();
        certs.stop();
        admin.close();
        admin.closeAllConnections();
        cp.close();
      })();
      return drained;
    },
  };
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(t);
  }
}
