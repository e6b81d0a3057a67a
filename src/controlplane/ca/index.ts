/** CertificateAuthority: the control plane's CA, which turns a sidecar's CSR into a short-lived SPIFFE certificate under a persistent root. */
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { CertificateRequest, CertificateResponse } from '../../model/control-protocol.ts';
import { trustDomainProblem } from '../../model/spiffe.ts';
import { CaConfigError } from './errors.ts';
import { loadOrCreateRoot, type RootCa } from './root.ts';
import { DEFAULT_TTL_MS, grantedTtl, issueLeaf, MAX_DEFAULT_TTL_MS, MIN_TTL_MS, parseCsr } from './sign.ts';
import { requestedIdentity } from './spiffe.ts';

export { BadCsrError, BadTtlError, CaConfigError, CsrRejectedError, IdentityRejectedError, RootInvalidError, UnsupportedKeyError } from './errors.ts';
export { ROOT_CERT_FILE, ROOT_KEY_FILE } from './root.ts';
export { DEFAULT_TTL_MS, MAX_CSR_BYTES, MAX_DEFAULT_TTL_MS, MIN_TTL_MS } from './sign.ts';

export interface CertificateAuthorityOptions {
  /** Where the root lives (`root-cert.pem`, `root-key.pem` mode 0600); created when missing. */
  readonly dir: string;
  /** The only trust domain this CA signs for, e.g. "cluster.local". */
  readonly trustDomain: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Lifetime of a leaf when the request names none, and the longest granted. 1 minute – 90 days; default 24 h. */
  readonly defaultTtlMs?: number;
  // Issue 4 adds `rootFrom?: { certFile: string; keyFile: string }`: it reads both files and
  // passes them to root.ts's parseRoot() instead of loadOrCreateRoot().
}

export class CertificateAuthority {
  /** PEM of the root certificate: the trust bundle every sidecar is given. */
  readonly rootCertPem: string;
  readonly trustDomain: string;
  readonly defaultTtlMs: number;
  readonly #root: RootCa;
  readonly #clock: Clock;
  readonly #logger: Logger;

  private constructor(root: RootCa, trustDomain: string, defaultTtlMs: number, clock: Clock, logger: Logger) {
    this.#root = root;
    this.rootCertPem = root.certPem;
    this.trustDomain = trustDomain;
    this.defaultTtlMs = defaultTtlMs;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Loads the root from `dir`, or creates and persists one on first start. Throws CaConfigError or RootInvalidError. */
  static async loadOrCreate(opts: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const clock = opts.clock ?? systemClock;
    const logger = opts.logger ?? silentLogger;
    const tdProblem = trustDomainProblem(opts.trustDomain);
    if (tdProblem !== null) throw new CaConfigError(tdProblem);
    const defaultTtlMs = opts.defaultTtlMs ?? DEFAULT_TTL_MS;
    if (!Number.isFinite(defaultTtlMs) || defaultTtlMs < MIN_TTL_MS || defaultTtlMs > MAX_DEFAULT_TTL_MS) {
      throw new CaConfigError(`defaultTtlMs must be between ${MIN_TTL_MS} ms (1 minute) and ${MAX_DEFAULT_TTL_MS} ms (90 days), got ${defaultTtlMs}`);
    }
    const root = await loadOrCreateRoot({ dir: opts.dir, trustDomain: opts.trustDomain, now: clock.now(), logger });
    return new CertificateAuthority(root, opts.trustDomain, Math.floor(defaultTtlMs), clock, logger);
  }

  /** When the root expires (ms since the epoch). */
  get rootNotAfter(): number {
    return this.#root.notAfter;
  }

  /**
   * Signs a workload CSR. Rejections are CsrRejectedError subclasses (WEFT_CA_BAD_CSR,
   * WEFT_CA_KEY_UNSUPPORTED, WEFT_CA_IDENTITY, WEFT_CA_BAD_TTL) whose message says what to fix.
   * The answer's chain is the leaf alone (the root signs leaves directly); the root is in the
   * trust bundle, not the chain.
   */
  async sign(req: CertificateRequest): Promise<CertificateResponse> {
    const ttlMs = grantedTtl((req as { ttlMs?: unknown }).ttlMs, this.defaultTtlMs);
    const csr = await parseCsr((req as { csr?: unknown }).csr);
    const identity = requestedIdentity(csr, this.trustDomain);
    const leaf = await issueLeaf({ root: this.#root, publicKey: csr.publicKey, spiffeUri: identity.uri, now: this.#clock.now(), ttlMs });
    this.#logger.info({ spiffeId: identity.uri, serial: leaf.serialNumber, notAfter: new Date(leaf.notAfter).toISOString() }, 'issued workload certificate');
    return { certChain: [leaf.pem], trustBundle: [this.rootCertPem], notAfter: new Date(leaf.notAfter).toISOString() };
  }
}
