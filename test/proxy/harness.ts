// Shared pieces of the sidecar data-path tests: a ConfigState over plain-TCP connectors (no TLS,
// no control plane), an outbound-style listener in front of it, backends and a small client.
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/lib/clock.ts';
import type { Cluster, Endpoint, ProxyConfig } from '../../src/model/proxy-config.ts';
import { ConfigState } from '../../src/proxy/config-client/apply.ts';
import type { StreamRecord } from '../../src/proxy/http/connection-manager.ts';
import type { Service } from '../../src/proxy/http/message.ts';
import { startOutboundListener } from '../../src/proxy/listener/outbound.ts';
import { createRescue } from '../../src/proxy/rescue.ts';
import { ClusterManager } from '../../src/proxy/upstream/cluster-manager.ts';

/** Plain TCP to the endpoint, bounded by the cluster's connect timeout. */
export function tcpConnector(ep: Endpoint, connectTimeoutMs: number): () => Promise<net.Socket> {
  return () => new Promise((resolve, reject) => {
    const s = net.connect({ port: ep.port, host: ep.address, noDelay: true });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect timeout after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
}

export function endpoint(port: number, workload = `backend-${port}`): Endpoint {
  return { address: '127.0.0.1', port, identity: 'spiffe://cluster.local/ns/default/sa/backend', workload, labels: {} };
}

export const CLUSTER_NAME = 'outbound|8080||backend.default.svc.cluster.local';

/** One service "backend" on port 8080 routed to one cluster; `cluster` and `top` override fields. */
export function serviceConfig(version: string, endpoints: Endpoint[], cluster: Partial<Cluster> = {}, top: Partial<ProxyConfig> = {}): ProxyConfig {
  return {
    version,
    trustDomain: 'cluster.local',
    node: { id: 'client.default', workload: 'client', namespace: 'default', service: 'client', serviceAccount: 'client', labels: {} },
    inbound: { ports: [8080] },
    virtualHosts: [{
      name: 'backend.default.svc.cluster.local:8080',
      domains: ['backend', 'backend:8080'],
      routes: [{ name: 'default', match: [], action: { clusters: [{ cluster: CLUSTER_NAME, weight: 100 }] } }],
    }],
    clusters: [{ name: CLUSTER_NAME, service: 'backend.default.svc.cluster.local', port: 8080, subset: '', lbPolicy: 'ROUND_ROBIN', transport: 'ISTIO_MUTUAL', endpoints, ...cluster }],
    ...top,
  };
}

export interface Sidecar {
  readonly port: number;
  readonly state: ConfigState;
  readonly clusters: ClusterManager;
  readonly records: StreamRecord[];
  /** Milliseconds each recorded stream lasted inside the sidecar (parallel to `records`). */
  readonly durations: number[];
  close(): Promise<void>;
}

/** A ConfigState and one listener serving its outbound (or inbound) pipeline over plain TCP. */
export async function startSidecar(opts: { clock?: Clock; direction?: 'outbound' | 'inbound'; inbound?: Service; random?: () => number } = {}): Promise<Sidecar> {
  const clusters = new ClusterManager(tcpConnector, { idleTimeoutMs: 5_000 }, opts.clock);
  const state = new ConfigState(clusters, { maxRegexLength: 1000 }, {
    ...(opts.inbound !== undefined ? { inbound: opts.inbound } : {}),
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    ...(opts.random !== undefined ? { random: opts.random } : {}),
  });
  const records: StreamRecord[] = [];
  const durations: number[] = [];
  const direction = opts.direction ?? 'outbound';
  const listener = await startOutboundListener('127.0.0.1', 0, {
    direction,
    service: () => (direction === 'outbound' ? state.outbound : state.inbound),
    rescue: createRescue(() => 'client.default', () => {}),
    onStreamEnd: (r) => {
      records.push(r);
      durations.push(performance.now() - r.info.startMono);
    },
    idleTimeoutMs: 10_000,
  });
  return {
    port: (listener.server.address() as AddressInfo).port,
    state,
    clusters,
    records,
    durations,
    async close() {
      listener.server.close();
      await listener.tracker.drain(200);
      clusters.destroy();
    },
  };
}

export interface Backend {
  readonly server: http.Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startBackend(handler: http.RequestListener): Promise<Backend> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Milliseconds from sending to the end of the response. */
  readonly ms: number;
}

/** One GET through the sidecar on its own connection (so concurrent calls are concurrent downstream connections). */
export function get(port: number, path = '/', host = 'backend:8080'): Promise<Answer> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false, headers: { host, connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, ms: performance.now() - start }));
    });
    req.on('error', reject);
    req.end();
  });
}
