// Name rules shared by every kind: Kubernetes object names, DNS labels and hostnames as Istio checks them.

const K8S_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Istio's DNS-1123 label check accepts upper case (labels.IsDNS1123Label); hostnames are case-insensitive. */
const DNS_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** "*", "*foo", "*-foo" or a plain label (labels.IsWildcardDNS1123Label). */
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/** Kubernetes DNS-1123 label: what a namespace must be (lower case, ≤ 63). */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && K8S_LABEL.test(s);
}

/** Kubernetes DNS-1123 subdomain: what metadata.name must be (lower case, dot-separated labels, ≤ 253). */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => l.length <= 63 && K8S_LABEL.test(l));
}

/** Istio's DNS label (case-insensitive), as subset names and sourceNamespace must be. */
export function isIstioDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

function labelsError(domain: string, labels: string): string | null {
  const parts = labels.split('.');
  const tld = parts[parts.length - 1]!;
  if (/^\d+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!;
    if (i === parts.length - 1 && label === '' && i > 0) return null; // "istio.io." is unambiguous
    if (!isIstioDnsLabel(label)) return `domain name "${domain}" invalid (label "${label}" invalid)`;
  }
  return null;
}

function preconditionError(domain: string): string | null {
  if (domain.length === 0) return 'empty domain name not allowed';
  if (domain.length > 255) return `domain name "${domain.slice(0, 40)}…" too long (max 255)`;
  return null;
}

/** Istio's ValidateWildcardDomain: a hostname whose first label may be a wildcard ("*.example.com", "*"). */
export function wildcardDomainError(domain: string): string | null {
  const pre = preconditionError(domain);
  if (pre !== null) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!(first.length <= 63 && WILDCARD_LABEL.test(first))) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? null : labelsError(domain, domain.slice(dot + 1));
}

/** Istio's ValidateFQDN: a hostname without wildcards. */
export function fqdnError(domain: string): string | null {
  return preconditionError(domain) ?? labelsError(domain, domain);
}
