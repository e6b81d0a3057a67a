// Istio's semantic validation of a VirtualService (pkg/config/validation ValidateVirtualService), with Weft's path-precise findings.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { validateExportTo } from '../../rules/export-to.ts';
import { isJwtClaimRoute } from '../../rules/headers.ts';
import { isIpAddress } from '../../rules/net.ts';
import { wildcardDomainError } from '../../rules/names.ts';
import { appliesToMesh, validateGatewayNames } from './gateways.ts';
import { hostsOverlap } from './hosts.ts';
import { validateHttpRoute } from './http-route.ts';
import { validateTcpRoute, validateTlsRoute } from './l4-routes.ts';
import type { HTTPRoute, VirtualServiceSpec } from './types.ts';
import { warnUnreachableRules } from './unreachable.ts';

export function validateVirtualService(spec: VirtualServiceSpec, meta: ObjectMeta, report: Reporter): void {
  const hosts = spec.hosts ?? [];
  validateHosts(hosts, appliesToMesh(spec.gateways), report);
  validateGatewayNames(spec.gateways, ['spec', 'gateways'], report);
  if (appliesToMesh(spec.gateways)) validateNoJwtClaimRoutes(spec.http ?? [], report);

  if ((spec.http ?? []).length === 0 && (spec.tcp ?? []).length === 0 && (spec.tls ?? []).length === 0) {
    report.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  }
  (spec.http ?? []).forEach((h, i) => validateHttpRoute(h, ['spec', 'http', i], report));
  (spec.tls ?? []).forEach((t, i) => validateTlsRoute(t, hosts, ['spec', 'tls', i], report));
  (spec.tcp ?? []).forEach((t, i) => validateTcpRoute(t, ['spec', 'tcp', i], report));
  validateExportTo(spec.exportTo, meta.namespace, false, ['spec', 'exportTo'], report);
  warnUnreachableRules(spec.http ?? [], ['spec', 'http'], report);
}

/**
 * Hosts name the traffic the VirtualService routes. Weft requires at least one: Istio's hostless
 * form only exists for delegate VirtualServices, which Weft does not route through yet.
 */
function validateHosts(hosts: readonly string[], mesh: boolean, report: Reporter): void {
  const path: FieldPath = ['spec', 'hosts'];
  if (hosts.length === 0) {
    report.error(path, 'hosts: at least one host is required (the services this VirtualService routes, as "order-service")');
    return;
  }
  let allValid = true;
  hosts.forEach((h, i) => {
    const err = wildcardDomainError(h);
    if (err !== null) {
      if (!isIpAddress(h)) { report.error([...path, i], err); allValid = false; }
    } else if (mesh && h === '*') {
      report.error([...path, i], 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allValid = false;
    }
  });
  if (!allValid) return;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostsOverlap(hosts[i]!, hosts[j]!)) report.error([...path, j], `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
    }
  }
}

/** Routing on JWT claims needs a gateway that validated the token; sidecars cannot do it. */
function validateNoJwtClaimRoutes(http: readonly HTTPRoute[], report: Reporter): void {
  http.forEach((h, i) => (h.match ?? []).forEach((m, j) => {
    for (const field of ['headers', 'withoutHeaders'] as const) {
      for (const key of Object.keys(m[field] ?? {})) {
        if (isJwtClaimRoute(key)) {
          report.error(['spec', 'http', i, 'match', j, field, key], `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways`);
        }
      }
    }
  }));
}
