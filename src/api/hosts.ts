/**
 * Host names as Istio reads them: a short name ("user-service") is relative to the namespace of
 * the resource that names it; "name.namespace" and "name.namespace.svc" are expanded to the FQDN
 * ("user-service.default.svc.cluster.local"). Istio itself treats any dotted host as an FQDN; Weft
 * also expands the two partial forms, so that every spelling a caller may use means one service.
 */

export const CLUSTER_DOMAIN = 'cluster.local';
const SVC_SUFFIX = `.svc.${CLUSTER_DOMAIN}`;

/** Resolves `host` written in a resource of namespace `namespace` to a lower-case FQDN. */
export function resolveHost(host: string, namespace: string): string {
  const h = host.toLowerCase();
  if (h === '*' || h.startsWith('*.')) return h;
  if (h.endsWith(SVC_SUFFIX)) return h;
  const parts = h.split('.');
  if (parts.length === 1) return `${h}.${namespace}${SVC_SUFFIX}`;
  if (parts.length === 2) return `${h}${SVC_SUFFIX}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${CLUSTER_DOMAIN}`;
  return h;
}

/** FQDN of service `name` in `namespace`. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}${SVC_SUFFIX}`;
}

/** Splits a service FQDN into name and namespace, or null when it is not of the `<name>.<ns>.svc.<domain>` form. */
export function parseServiceFqdn(fqdn: string): { name: string; namespace: string } | null {
  if (!fqdn.endsWith(SVC_SUFFIX)) return null;
  const parts = fqdn.slice(0, -SVC_SUFFIX.length).split('.');
  if (parts.length !== 2) return null;
  return { name: parts[0]!, namespace: parts[1]! };
}
