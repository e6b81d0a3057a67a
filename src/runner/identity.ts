// A workload's identity from `weft run`/`weft proxy` flags: Istio's pod labels (app, version), its service account and a unique instance name.
import { randomInt } from 'node:crypto';

export interface IdentityFlags {
  readonly service: string;
  readonly namespace?: string | undefined;
  readonly version?: string | undefined;
  /** Extra `--label k=v`s. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly serviceAccount?: string | undefined;
  readonly workload?: string | undefined;
}

export interface WorkloadIdentity {
  readonly workload: string;
  readonly namespace: string;
  readonly service: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
}

// DNS-1123 label: what Kubernetes accepts for service, namespace and service account names.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Thrown for flags that contradict each other or break Kubernetes' naming rules; the CLI maps it to a usage error. */
export class IdentityError extends Error {}

export function workloadIdentity(f: IdentityFlags, random: () => string = randomSuffix): WorkloadIdentity {
  const namespace = f.namespace ?? 'default';
  checkName('service', f.service);
  checkName('namespace', namespace);
  const serviceAccount = f.serviceAccount ?? f.service;
  checkName('service account', serviceAccount);
  const labels: Record<string, string> = { app: f.service };
  if (f.version !== undefined) labels.version = f.version;
  for (const [k, v] of Object.entries(f.labels ?? {})) {
    const implied = labels[k];
    if (implied !== undefined && implied !== v) {
      const flag = k === 'app' ? `--service ${f.service}` : `--version ${f.version ?? ''}`;
      throw new IdentityError(`--label ${k}=${v} contradicts ${flag}`);
    }
    labels[k] = v;
  }
  const workload = f.workload ?? defaultWorkloadName(f.service, f.version, random);
  checkName('workload', workload);
  return { workload, namespace, service: f.service, serviceAccount, labels };
}

/** `<service>[-<version>]-<4 random chars>`, e.g. "user-service-v2-k7qz". */
export function defaultWorkloadName(service: string, version: string | undefined, random: () => string = randomSuffix): string {
  const v = version === undefined ? '' : `-${version.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  // Keep the whole name a DNS label (≤ 63 characters) however long the service name is.
  const prefix = `${service}${v}`.slice(0, 58).replace(/-+$/, '');
  return `${prefix}-${random()}`;
}

/** Four characters without vowels (so that no word is spelled by chance), as Kubernetes does for pod names. */
export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return s;
}

function checkName(what: string, name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw new IdentityError(`${what} "${name}" is not a valid name: use lower-case letters, digits and "-", up to 63 characters, starting and ending with a letter or digit`);
  }
}
