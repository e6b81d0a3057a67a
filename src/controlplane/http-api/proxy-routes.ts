/**
 * The proxy-facing routes of model/control-protocol.ts: registration and leases, certificate
 * signing, the push stream and ACK/NACK.
 *
 *   POST   /v1/workloads                      200 RegistrationResponse | 400
 *   PUT    /v1/workloads/:namespace/:name/lease  200 RegistrationResponse | 404 WEFT_WORKLOAD_UNKNOWN (register again)
 *   DELETE /v1/workloads/:namespace/:name      204 (also when it was not registered: the goal state holds)
 *   POST   /v1/certificates                   200 CertificateResponse | 400 WEFT_CA_* | 400
 *   GET    /v1/proxies/:id/stream             200 NDJSON stream | 404 WEFT_PROXY_UNKNOWN (register first) | 500 WEFT_COMPILE_FAILED
 *   POST   /v1/proxies/:id/ack                204 | 404 WEFT_PROXY_UNKNOWN | 400
 */
import type { CertificateRequest, CertificateResponse, RegistrationResponse } from '../../model/control-protocol.ts';
import { proxyIdOf } from '../../model/control-protocol.ts';
import { isCausedBy } from '../../lib/errors.ts';
import { CsrRejectedError } from '../ca/index.ts';
import type { PushServer } from '../push/server.ts';
import type { ServiceRegistry } from '../registry/registry.ts';
import { readJson } from './body.ts';
import { HttpError } from './errors.ts';
import { sendJson, sendNoContent } from './respond.ts';
import type { Router } from './router.ts';
import { parseCertificateRequest, parseConfigAck, parseRegistration } from './schemas.ts';

export interface CertificateSigner {
  sign(req: CertificateRequest): Promise<CertificateResponse>;
}

export interface ProxyRouteDeps {
  readonly registry: ServiceRegistry;
  readonly push: PushServer;
  readonly ca: CertificateSigner;
  readonly maxBodyBytes: number;
}

export function addProxyRoutes(router: Router, deps: ProxyRouteDeps): void {
  const { registry, push, ca, maxBodyBytes } = deps;
  const lease = (): RegistrationResponse => ({ leaseTtlMs: registry.leaseTtlMs });

  router.add('POST', '/v1/workloads', async ({ req, res }) => {
    const registration = parseRegistration(await readJson(req, maxBodyBytes, 'a WorkloadRegistration'));
    await registry.register(registration);
    sendJson(res, 200, lease());
  });

  router.add('PUT', '/v1/workloads/:namespace/:name/lease', ({ res, params }) => {
    const { namespace = '', name = '' } = params;
    if (!registry.renew(namespace, name)) {
      throw new HttpError(404, 'WEFT_WORKLOAD_UNKNOWN', `workload ${namespace}/${name} is not registered (its lease lapsed, or the control plane lost it); register it again with POST /v1/workloads`);
    }
    push.touch(proxyIdOf({ workload: name, namespace }));
    sendJson(res, 200, lease());
  });

  router.add('DELETE', '/v1/workloads/:namespace/:name', async ({ res, params }) => {
    await registry.deregister(params.namespace ?? '', params.name ?? '');
    sendNoContent(res);
  });

  router.add('POST', '/v1/certificates', async ({ req, res }) => {
    const csr = parseCertificateRequest(await readJson(req, maxBodyBytes, 'a CertificateRequest'));
    try {
      sendJson(res, 200, await ca.sign(csr));
    } catch (err) {
      const rejected = isCausedBy(err, CsrRejectedError);
      if (rejected !== null) throw new HttpError(400, rejected.code, rejected.message, { cause: err });
      throw err;
    }
  });

  router.add('GET', '/v1/proxies/:id/stream', ({ res, params }) => {
    const id = params.id ?? '';
    if (!push.connect(id, res)) {
      throw new HttpError(404, 'WEFT_PROXY_UNKNOWN', `no registered workload has the proxy id "${id}" ("<workload>.<namespace>"); register it with POST /v1/workloads, then reconnect`);
    }
  });

  router.add('POST', '/v1/proxies/:id/ack', async ({ req, res, params }) => {
    const ack = parseConfigAck(await readJson(req, maxBodyBytes, 'a ConfigAck'));
    const id = params.id ?? '';
    if (!push.ack(id, ack)) {
      throw new HttpError(404, 'WEFT_PROXY_UNKNOWN', `proxy "${id}" has no push stream on this control plane; open GET /v1/proxies/${id}/stream first`);
    }
    sendNoContent(res);
  });
}
