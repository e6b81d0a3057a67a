/**
 * The proxy-facing routes of model/control-protocol.ts: registration and leases, certificate
 * signing, the push stream and ACK/NACK. Access classes (auth/authenticate.ts): `workload` = a join
 * token or the workload's mesh client certificate, bound to one identity; `proxy` = the mesh
 * client certificate of the workload the URL names. 401/403 come from there (WEFT_AUTH_*).
 *
 *   POST   /v1/workloads                      workload  200 RegistrationResponse | 400 | 403 (namespace or service account not the caller's)
 *   PUT    /v1/workloads/:namespace/:name/lease  proxy  200 RegistrationResponse | 404 WEFT_WORKLOAD_UNKNOWN (register again)
 *   DELETE /v1/workloads/:namespace/:name      proxy     204 (also when it was not registered: the goal state holds)
 *   POST   /v1/certificates                   workload  200 CertificateResponse | 400 WEFT_CA_* | 400 | 403 (SPIFFE id not the caller's)
 *   GET    /v1/proxies/:id/stream             proxy     200 NDJSON stream | 404 WEFT_PROXY_UNKNOWN (register first) | 500 WEFT_COMPILE_FAILED
 *   POST   /v1/proxies/:id/ack                proxy     204 | 404 WEFT_PROXY_UNKNOWN | 400
 *   POST   /v1/proxies/:id/telemetry          proxy     200 TelemetryReportAck | 400 (issue 5: the service graph's input)
 *   POST   /v1/proxies/:id/spans              proxy     204 | 400 (issue 5: a SpanBatch for the trace store; every span's node must be :id)
 */
import type { CertificateRequest, CertificateResponse, RegistrationResponse } from '../../model/control-protocol.ts';
import { proxyIdOf } from '../../model/control-protocol.ts';
import type { TelemetryReportAck } from '../../model/telemetry-report.ts';
import { isCausedBy } from '../../lib/errors.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import { CsrRejectedError } from '../ca/index.ts';
import { parseCsr } from '../ca/sign.ts';
import { requestedIdentity } from '../ca/spiffe.ts';
import type { PushServer } from '../push/server.ts';
import type { EdgeWindow } from '../telemetry/edge-window.ts';
import type { TraceStore } from '../telemetry/trace-store.ts';
import type { ServiceRegistry } from '../registry/registry.ts';
import { readJson } from './body.ts';
import { HttpError } from './errors.ts';
import { sendJson, sendNoContent } from './respond.ts';
import type { Router } from './router.ts';
import { parseSpanBatch } from './span-batch.ts';
import { parseCertificateRequest, parseConfigAck, parseRegistration, parseTelemetryReport } from './schemas.ts';

export interface CertificateSigner {
  sign(req: CertificateRequest): Promise<CertificateResponse>;
}

export interface ProxyRouteDeps {
  readonly registry: ServiceRegistry;
  readonly push: PushServer;
  readonly ca: CertificateSigner & { readonly trustDomain: string };
  readonly auth: Authenticator;
  /** Issue 5: the service graph's sliding window, fed by the sidecars' reports. */
  readonly graph: EdgeWindow;
  /** Issue 5: recent traces, fed by the sidecars' span batches; absent: span batches are read and dropped. */
  readonly traces?: TraceStore;
  readonly maxBodyBytes: number;
}

export function addProxyRoutes(router: Router, deps: ProxyRouteDeps): void {
  const { registry, push, ca, auth, graph, maxBodyBytes } = deps;
  const lease = (): RegistrationResponse => ({ leaseTtlMs: registry.leaseTtlMs });

  router.add('POST', '/v1/workloads', async ({ req, res, caller }) => {
    const registration = parseRegistration(await readJson(req, maxBodyBytes, 'a WorkloadRegistration'));
    if (caller.kind !== 'workload' || caller.namespace !== registration.namespace || caller.serviceAccount !== registration.serviceAccount) {
      throw auth.forbidden(req, caller, `asked to register workload ${registration.namespace}/${registration.name} with service account ${registration.serviceAccount}, but the credential is for namespace ${caller.kind === 'workload' ? caller.namespace : '?'}, service account ${caller.kind === 'workload' ? caller.serviceAccount : '?'}`);
    }
    await registry.register(registration);
    sendJson(res, 200, lease());
  }, 'workload');

  router.add('PUT', '/v1/workloads/:namespace/:name/lease', ({ res, params }) => {
    const { namespace = '', name = '' } = params;
    if (!registry.renew(namespace, name)) {
      throw new HttpError(404, 'WEFT_WORKLOAD_UNKNOWN', `workload ${namespace}/${name} is not registered (its lease lapsed, or the control plane lost it); register it again with POST /v1/workloads`);
    }
    push.touch(proxyIdOf({ workload: name, namespace }));
    sendJson(res, 200, lease());
  }, 'proxy');

  router.add('DELETE', '/v1/workloads/:namespace/:name', async ({ res, params }) => {
    await registry.deregister(params.namespace ?? '', params.name ?? '');
    sendNoContent(res);
  }, 'proxy');

  router.add('POST', '/v1/certificates', async ({ req, res, caller }) => {
    const csr = parseCertificateRequest(await readJson(req, maxBodyBytes, 'a CertificateRequest'));
    try {
      // The CA checks the CSR's form; whether this caller may have the identity it asks for is decided here.
      const asked = requestedIdentity(await parseCsr(csr.csr), ca.trustDomain);
      if (caller.kind !== 'workload' || caller.spiffeId !== asked.uri) {
        throw auth.forbidden(req, caller, `the CSR asks for ${asked.uri}, but the credential is for ${caller.kind === 'workload' ? caller.spiffeId : caller.kind}; a workload gets certificates only for its own identity`);
      }
      sendJson(res, 200, await ca.sign(csr));
    } catch (err) {
      const rejected = isCausedBy(err, CsrRejectedError);
      if (rejected !== null) throw new HttpError(400, rejected.code, rejected.message, { cause: err });
      throw err;
    }
  }, 'workload');

  router.add('GET', '/v1/proxies/:id/stream', ({ res, params }) => {
    const id = params.id ?? '';
    if (!push.connect(id, res)) {
      throw new HttpError(404, 'WEFT_PROXY_UNKNOWN', `no registered workload has the proxy id "${id}" ("<workload>.<namespace>"); register it with POST /v1/workloads, then reconnect`);
    }
  }, 'proxy');

  router.add('POST', '/v1/proxies/:id/ack', async ({ req, res, params }) => {
    const ack = parseConfigAck(await readJson(req, maxBodyBytes, 'a ConfigAck'));
    const id = params.id ?? '';
    if (!push.ack(id, ack)) {
      throw new HttpError(404, 'WEFT_PROXY_UNKNOWN', `proxy "${id}" has no push stream on this control plane; open GET /v1/proxies/${id}/stream first`);
    }
    sendNoContent(res);
  }, 'proxy');

  // Accepted from a proxy that just deregistered too: its last report is sent while it drains.
  router.add('POST', '/v1/proxies/:id/telemetry', async ({ req, res, params }) => {
    const report = parseTelemetryReport(await readJson(req, maxBodyBytes, 'a TelemetryReport'));
    const id = params.id ?? '';
    // The route's access class binds the caller to :id; a report speaks only for that workload as a source.
    for (const e of report.edges) {
      if (e.source !== null && proxyIdOf({ workload: e.source.workload, namespace: e.source.namespace }) !== id) {
        throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `proxy "${id}" reported an edge from ${e.source.namespace}/${e.source.workload}; a sidecar reports only what its own workload called`);
      }
    }
    graph.add(report);
    const ack: TelemetryReportAck = { intervalMs: graph.reportIntervalMs };
    sendJson(res, 200, ack);
  }, 'proxy');

  router.add('POST', '/v1/proxies/:id/spans', async ({ req, res, params }) => {
    const batch = parseSpanBatch(await readJson(req, maxBodyBytes, 'a SpanBatch { "spans": [...] }'));
    const id = params.id ?? '';
    // The route's access class binds the caller to :id; a batch speaks only for that proxy's spans.
    const foreign = batch.spans.find((s) => s.node !== id);
    if (foreign !== undefined) throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `proxy "${id}" sent a span of proxy "${foreign.node}"; a sidecar reports only its own spans`);
    deps.traces?.add(batch.spans);
    sendNoContent(res);
  }, 'proxy');
}
