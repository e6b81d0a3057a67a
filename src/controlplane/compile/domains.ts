// The authorities each virtual host answers to: every spelling of the service name, with and without the port.
import { compareStrings } from './labels.ts';
import type { ServiceIndex, ServiceView } from './services.ts';

const HTTP_DEFAULT_PORT = 80;

/** "<fqdn>:<port>", the name of a service port's virtual host. */
export function virtualHostName(service: ServiceView, port: number): string {
  return `${service.fqdn}:${port}`;
}

/**
 * Domains of every virtual host, keyed by virtual host name; each list sorted, and no domain in two lists.
 *
 * Each service port answers to "<fqdn>", "<name>.<ns>.svc" and "<name>.<ns>", plus the bare "<name>"
 * when the proxy is in the service's namespace (as Kubernetes DNS search paths resolve it there), each
 * with ":<port>". A Host header without a port means port 80, so the port-less spellings belong to
 * port 80. Weft leniency: a service with exactly one port, not 80, also gets the port-less spellings,
 * so `curl http://user-service/` works when user-service listens only on 8080. A service with several
 * ports none of which is 80 gets no port-less spellings: which port was meant cannot be known.
 *
 * A domain that two virtual hosts would both claim is given to neither. With Kubernetes naming (no dots
 * in service or namespace names) this cannot happen; the check keeps "unique across the config" an
 * invariant of the output rather than of the input.
 */
export function virtualHostDomains(services: ServiceIndex, proxyNamespace: string): ReadonlyMap<string, readonly string[]> {
  const claims = new Map<string, string[]>();
  for (const service of services.all) {
    const name = service.name.toLowerCase();
    const ns = service.namespace.toLowerCase();
    const hosts = [service.fqdn, `${name}.${ns}.svc`, `${name}.${ns}`];
    if (service.namespace === proxyNamespace) hosts.push(name);
    const portless = service.ports.includes(HTTP_DEFAULT_PORT)
      ? HTTP_DEFAULT_PORT
      : service.ports.length === 1
        ? service.ports[0]
        : undefined;
    for (const port of service.ports) {
      const vhost = virtualHostName(service, port);
      const domains = hosts.map((h) => `${h}:${port}`);
      if (port === portless) domains.push(...hosts);
      claims.set(vhost, [...new Set(domains)]);
    }
  }
  const owners = new Map<string, number>();
  for (const domains of claims.values()) for (const d of domains) owners.set(d, (owners.get(d) ?? 0) + 1);
  const out = new Map<string, readonly string[]>();
  for (const [vhost, domains] of claims) {
    out.set(vhost, domains.filter((d) => owners.get(d) === 1).sort(compareStrings));
  }
  return out;
}
