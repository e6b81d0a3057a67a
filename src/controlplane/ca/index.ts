/** CertificateAuthority: the control plane's CA, which turns a sidecar's CSR into a short-lived SPIFFE certificate under a persistent root. */
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { CertificateRequest, CertificateResponse } from '../../model/control-protocol.ts';
import { trustDomainProblem } from '../../model/spiffe.ts';
import { CaConfigError } from './errors.ts';
import { loadPluginCa } from './plugin.ts';
import { loadOrCreateRoot, type RootCa } from './root.ts';
import { DEFAULT_TTL_MS, grantedTtl, issueLeaf, MAX_DEFAULT_TTL_MS, MIN_DEFAULT_TTL_MS, parseCsr } from './sign.ts';
import { issueServingLeaf, type ServingLeaf } from './serving.ts';
import { requestedIdentity } from './spiffe.ts';

export { BadCsrError, BadTtlError, CaConfigError, CsrRejectedError, IdentityRejectedError, PluginCaError, RootInvalidError, UnsupportedKeyError } from './errors.ts';
export { PLUGIN_CA_CERT_FILE, PLUGIN_CA_KEY_FILE, PLUGIN_CERT_CHAIN_FILE, PLUGIN_ROOT_CERT_FILE } from './plugin.ts';
export { ROOT_CERT_FILE, ROOT_KEY_FILE } from './root.ts';
export { DEFAULT_TTL_MS, MAX_CSR_BYTES, MAX_DEFAULT_TTL_MS, MIN_DEFAULT_TTL_MS, MIN_TTL_MS } from './sign.ts';

export interface CertificateAuthorityOptions {
  /** Where the root lives (`root-cert.pem`, `root-key.pem` mode 0600); created when missing. */
  readonly dir: string;
  /** The only trust domain this CA signs for, e.g. "cluster.local". */
  readonly trustDomain: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * Lifetime of a leaf when the request names none, and the longest granted. 2 seconds – 90 days
   * (seconds only make sense in tests of rotation); default 24 h. `weft control-plane --workload-cert-ttl`.
   */
  readonly defaultTtlMs?: number;
  /**
   * Issue 4 (plug-in CA): a directory in Istio's cacerts layout (plugin.ts). When set, `dir` is
   * not used: leaves are signed by ca-cert.pem, chains carry the intermediates, and the trust
   * bundle is the user's root-cert.pem. `weft control-plane --ca-dir`.
   */
  readonly pluginDir?: string;
}

export class CertificateAuthority {
  /** PEM of the root certificate(s), concatenated: the trust bundle every sidecar is given. */
  readonly rootCertPem: string;
  readonly #trustBundle: readonly string[];
  readonly trustDomain: string;
  readonly defaultTtlMs: number;
  /** True when the CA signs with the user's plug-in CA (`--ca-dir`). */
  readonly plugin: boolean;
  readonly #root: RootCa;
  /** PEMs following the leaf in every chain: empty for the generated root, the plug-in CA's chain below its root otherwise. */
  readonly #intermediates: readonly string[];
  readonly #clock: Clock;
  readonly #logger: Logger;

  private constructor(root: RootCa, trust: { bundle: readonly string[]; intermediates: readonly string[]; plugin: boolean }, trustDomain: string, defaultTtlMs: number, clock: Clock, logger: Logger) {
    this.#root = root;
    this.#trustBundle = trust.bundle;
    this.rootCertPem = trust.bundle.join('');
    this.#intermediates = trust.intermediates;
    this.plugin = trust.plugin;
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
    if (!Number.isFinite(defaultTtlMs) || defaultTtlMs < MIN_DEFAULT_TTL_MS || defaultTtlMs > MAX_DEFAULT_TTL_MS) {
      throw new CaConfigError(`the workload certificate lifetime must be between ${MIN_DEFAULT_TTL_MS / 1000} s and 90 days, got ${defaultTtlMs} ms`);
    }
    if (opts.pluginDir !== undefined) {
      const plugin = await loadPluginCa(opts.pluginDir, clock.now());
      logger.info(
        { caDir: opts.pluginDir, rootFingerprint256: plugin.rootFingerprint256, signerFingerprint256: plugin.signer.fingerprint256, signerNotAfter: new Date(plugin.signer.notAfter).toISOString(), intermediates: plugin.intermediates.length },
        'using the plug-in CA',
      );
      return new CertificateAuthority(plugin.signer, { bundle: plugin.rootPems, intermediates: plugin.intermediates, plugin: true }, opts.trustDomain, Math.floor(defaultTtlMs), clock, logger);
    }
    const root = await loadOrCreateRoot({ dir: opts.dir, trustDomain: opts.trustDomain, now: clock.now(), logger });
    return new CertificateAuthority(root, { bundle: [root.certPem], intermediates: [], plugin: false }, opts.trustDomain, Math.floor(defaultTtlMs), clock, logger);
  }

  /** When the signing CA expires (ms since the epoch): the generated root, or the plug-in CA's ca-cert.pem. Leaves never outlive it. */
  get rootNotAfter(): number {
    return this.#root.notAfter;
  }

  /**
   * Signs a workload CSR. Rejections are CsrRejectedError subclasses (WEFT_CA_BAD_CSR,
   * WEFT_CA_KEY_UNSUPPORTED, WEFT_CA_IDENTITY, WEFT_CA_BAD_TTL) whose message says what to fix.
   * The answer's chain is the leaf, then (plug-in CA) ca-cert.pem and the intermediates above
   * it; the root is in the trust bundle, never in the chain.
   */
  async sign(req: CertificateRequest): Promise<CertificateResponse> {
    const ttlMs = grantedTtl((req as { ttlMs?: unknown }).ttlMs, this.defaultTtlMs);
    const csr = await parseCsr((req as { csr?: unknown }).csr);
    const identity = requestedIdentity(csr, this.trustDomain);
    const leaf = await issueLeaf({ root: this.#root, publicKey: csr.publicKey, spiffeUri: identity.uri, now: this.#clock.now(), ttlMs });
    this.#logger.info({ spiffeId: identity.uri, serial: leaf.serialNumber, notAfter: new Date(leaf.notAfter).toISOString() }, 'issued workload certificate');
    return { certChain: [leaf.pem, ...this.#intermediates], trustBundle: this.#trustBundle, notAfter: new Date(leaf.notAfter).toISOString() };
  }

  /**
   * Issue 4: the control plane's HTTPS certificate for `names` (host names and IP addresses),
   * under the same signer as the workloads; `chain` is the leaf then the intermediates, as
   * `tls.createSecureContext({ cert })` takes it.
   */
  async issueServing(publicKey: Parameters<typeof issueServingLeaf>[0]['publicKey'], names: readonly string[], ttlMs: number): Promise<ServingLeaf & { readonly chain: string }> {
    const leaf = await issueServingLeaf({ root: this.#root, publicKey, names, now: this.#clock.now(), ttlMs });
    return { ...leaf, chain: [leaf.pem, ...this.#intermediates].join('') };
  }
}
