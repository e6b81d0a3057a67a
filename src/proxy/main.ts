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
import pkg from '../../package.json' with { type: 'json' };
import { messageOf } from '../lib/errors.ts';
import { createLogger } from '../lib/log.ts';
import type { CertificateRequest, CertificateResponse, WorkloadRegistration } from '../model/control-protocol.ts';
import type { MtlsMode } from '../model/proxy-config.ts';
import type { TelemetryReportAck } from '../model/telemetry-report.ts';
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
import { inboundModeOf, startInboundListener } from './listener/inbound.ts';
import { startOutboundListener } from './listener/outbound.ts';
import { createRescue } from './rescue.ts';
import { AccessLog } from './telemetry/access-log.ts';
import { EdgeAggregator } from './telemetry/edge-aggregator.ts';
import { TelemetryReporter } from './telemetry/telemetry-reporter.ts';
import { inboundExchange, memoLayer, outboundExchange } from './telemetry/metadata-exchange.ts';
import { IstioMetrics } from './telemetry/metrics.ts';
import { PeerMetadataCache, localMetadata } from './telemetry/peer-metadata.ts';
import { Tracer, tracedLayer } from './telemetry/tracing.ts';
import { CertificateManager } from './transport/certificates.ts';
import { MeshTls } from './transport/tls.ts';
import { UpstreamTransports } from './transport/upstream.ts';
import { wireCertificateLifecycle } from './transport/lifecycle.ts';
import { capConnections } from './listener/connection-cap.ts';
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
/** Issue 4: Envoy's request_headers_timeout is off by default; a sidecar facing slow clients wants one. */
const HEADERS_TIMEOUT_MS = 10_000;
/** Issue 4: per listener. Envoy sets no default cap; this one bounds memory and descriptors under a connection flood. */
const MAX_DOWNSTREAM_CONNECTIONS = 4096;
/** Istio's default tcp.connectTimeout; a cluster's connectionPool may set another. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const host = opts.address ?? '127.0.0.1';
  const trustDomain = opts.trustDomain ?? 'cluster.local';
  const id = proxyIdOf({ workload: opts.workload, namespace: opts.namespace });
  const logger = opts.logger ?? createLogger('weft-proxy', { proxy: id });
  const spiffeId = formatSpiffeId({ trustDomain, namespace: opts.namespace, serviceAccount: opts.serviceAccount });
  const cp = new ControlPlaneHttp(opts.controlPlane, { caPem: opts.controlPlaneCa, joinToken: opts.joinToken });
  const accessLog = opts.accessLog === null ? null : new AccessLog(opts.accessLog ?? process.stdout);

  // 1. Identity: key made here, CSR to the CA; the private key never leaves this process.
  const certs = new CertificateManager({
    spiffeId,
    logger,
    request: (req: CertificateRequest) => cp.json<CertificateResponse>('POST', '/v1/certificates', req),
  });
  const meshTls = new MeshTls(trustDomain);
  try {
    const first = await withDeadline(certs.start(), opts.startTimeoutMs ?? 15_000, `no certificate from the control plane at ${opts.controlPlane}`);
    meshTls.update(first);
    // From now on the sidecar proves who it is with its certificate (mTLS), not the join token.
    cp.setClientCertificate(first.keyPem, first.certChainPem);
  } catch (err) {
    certs.stop();
    cp.close();
    throw err;
  }
  certs.on('rotated', (bundle) => {
    meshTls.update(bundle);
    cp.setClientCertificate(bundle.keyPem, bundle.certChainPem);
    logger.info({ notAfter: new Date(bundle.notAfter).toISOString() }, 'workload certificate rotated');
  });

  // 2. Upstreams: peers over mTLS (identity checked per endpoint), the local app over plain TCP.
  // Issue 4: each cluster's transport per endpoint: mesh mTLS, plaintext (auto mTLS, DISABLE) or TLS origination.
  const transports = new UpstreamTransports(meshTls);
  const clusters = new ClusterManager(
    (ep, connectTimeoutMs, cluster) => () => transports.connect(cluster, ep, connectTimeoutMs),
    { idleTimeoutMs: PEER_POOL_IDLE_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS },
  );
  // Issue 4: rotation retires pooled connections, outbound refusals are logged with a reason, /certs.
  const lifecycle = wireCertificateLifecycle({ certs, meshTls, clusters, logger });
  const appPool = new EndpointPool(`127.0.0.1:${opts.appPort}`, () => connectTcp('127.0.0.1', opts.appPort, CONNECT_TIMEOUT_MS), { idleTimeoutMs: APP_POOL_IDLE_MS });
  const appCluster = singleEndpointCluster(`inbound|${opts.servicePort}||`, appPool);
  const inbound = inboundService(appCluster, () => spiffeId);
  const state = new ConfigState(clusters, { maxRegexLength: opts.maxRegexLength ?? DEFAULT_ROUTE_LIMITS.maxRegexLength }, {
    inbound,
    prepareClusters: (c) => transports.prepare(c),
    // Issue 4: AUDIT AuthorizationPolicies only log.
    onAudit: (policy, req) => logger.info({ policy, requestId: req.info.requestId, method: req.method, path: req.path, peer: req.info.peerIdentity }, 'authorization audit: the request matches an AUDIT policy'),
  });

  // Issue 5: Istio's standard metrics, and the metadata exchange that tells each side who the other is.
  const self = localMetadata({ workload: opts.workload, namespace: opts.namespace, service: opts.service, labels: opts.labels, principal: spiffeId });
  const metrics = new IstioMetrics(self, opts.service, { tag: pkg.version });
  const peers = new PeerMetadataCache();
  // The callee's answer is believed only over mesh mTLS: ISTIO_MUTUAL clusters, and AUTO ones to endpoints that take it.
  let transportOf = new Map<string, string>();
  state.onApplied((c) => { transportOf = new Map(c.clusters.map((cl) => [cl.name, cl.transport])); });
  const outboundOf = memoLayer(outboundExchange(self, peers, (cluster, ep) => {
    const t = transportOf.get(cluster);
    return t === 'ISTIO_MUTUAL' || (t === 'AUTO' && ep.mtls !== false);
  }));
  const inboundOf = memoLayer(inboundExchange(self, peers));

  // Issue 5: what this sidecar saw as the source of requests, for the control plane's service graph.
  const edges = new EdgeAggregator({ workload: opts.workload, namespace: opts.namespace, service: opts.service, labels: opts.labels });

  // Issue 5: spans of sampled requests, to the control plane's trace store and to the configured collectors.
  const tracer = new Tracer({
    version: pkg.version,
    sendToControlPlane: async (json) => {
      const reply = await cp.postTelemetry(`/v1/proxies/${encodeURIComponent(id)}/spans`, json);
      if (reply.status < 200 || reply.status >= 300) throw new Error(`control plane answered ${reply.status} to a span batch`);
      return reply.bodyReleased;
    },
  });
  const tracedOut = tracedLayer(tracer);
  const tracedIn = tracedLayer(tracer);

  const rescue = createRescue(() => id, (err, info) => logger.error({ err: messageOf(err), stack: (err as Error)?.stack, requestId: info.requestId }, 'internal error while serving a request'));
  const common = {
    rescue,
    onStreamEnd: (r: Parameters<ConnectionManagerConfig['onStreamEnd']>[0]) => {
      tracer.end(r);
      metrics.record(r);
      accessLog?.record(r);
      edges.record(r, performance.now() - r.info.startMono);
    },
    idleTimeoutMs: opts.downstreamIdleTimeoutMs ?? DOWNSTREAM_IDLE_MS,
    headersTimeoutMs: opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
  };

  // 3. Listeners. Issue 4: the inbound port admits what PeerAuthentication says for this service port (STRICT until the first config).
  let inboundMode: MtlsMode = 'STRICT';
  state.onApplied((c) => { inboundMode = inboundModeOf(c.inbound.mtls, opts.servicePort); });
  const out = await startOutboundListener(host, opts.outboundPort ?? 0, { ...common, direction: 'outbound', service: () => tracedOut(outboundOf(state.outbound)) });
  const inb = await startInboundListener(host, opts.inboundPort ?? 0, meshTls, { ...common, direction: 'inbound', service: () => tracedIn(inboundOf(state.inbound)) }, logger, () => inboundMode);
  const outboundPort = (out.server.address() as AddressInfo).port;
  const inboundPort = (inb.server.address() as AddressInfo).port;
  // Issue 4: over the cap a connection is accepted and closed at once, counted, logged (rate-limited).
  capConnections(out.server, opts.maxDownstreamConnections ?? MAX_DOWNSTREAM_CONNECTIONS, 'outbound', logger);
  capConnections(inb.server, opts.maxDownstreamConnections ?? MAX_DOWNSTREAM_CONNECTIONS, 'inbound', logger);

  // 4. Control-plane session.
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => { resolveReady = r; });
  state.onApplied((c) => {
    tracer.update(c);
    accessLog?.configure(c.telemetry?.accessLog);
    edges.setClusters(c.clusters);
    metrics.enabled = c.telemetry?.metrics?.enabled !== false;
    logger.info({ version: c.version, clusters: c.clusters.length, virtualHosts: c.virtualHosts.length }, 'config applied');
    resolveReady();
  });
  // The admin port goes into the registration (Prometheus finds the sidecar by it), so the admin
  // server starts first; configDump reads `session` only when asked, after this synchronous stretch.
  const admin = await startAdminServer(host, opts.adminPort ?? 0, {
    ready: () => state.current !== null && meshTls.ready,
    certs: () => lifecycle.secretDump(),
    configDump: () => ({
      node: { id, workload: opts.workload, namespace: opts.namespace, service: opts.service, labels: opts.labels },
      listeners: { outbound: `${host}:${outboundPort}`, inbound: `${host}:${inboundPort}`, app: `127.0.0.1:${opts.appPort}` },
      controlPlane: { url: opts.controlPlane, connected: session.connected, lastVersion: session.lastVersion },
      certificate: { spiffeId, notAfter: new Date(certs.current().notAfter).toISOString() },
      lastRejected: state.lastRejection,
      config: state.current,
      tracing: tracer.stats(),
    }),
    prometheus: () => metrics.scrape(),
  });
  const adminPort = portOf(admin);
  const registration: WorkloadRegistration = {
    name: opts.workload,
    namespace: opts.namespace,
    service: opts.service,
    labels: opts.labels,
    serviceAccount: opts.serviceAccount,
    address: host,
    ports: [{ port: opts.servicePort, targetPort: inboundPort, protocol: 'http' }],
    adminPort,
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
  const reporter = new TelemetryReporter({
    aggregator: edges,
    logger,
    send: async (report) => {
      const reply = await cp.postTelemetry(`/v1/proxies/${encodeURIComponent(id)}/telemetry`, JSON.stringify(report));
      if (reply.status !== 200) throw new Error(`control plane answered ${reply.status} to a telemetry report`);
      return reply.body as TelemetryReportAck;
    },
  });
  reporter.start();

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
        await tracer.close();
        accessLog?.flush();
        await reporter.stop();
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
