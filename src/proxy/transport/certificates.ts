/** CertificateManager: the sidecar's certificate source — a key made in-process, a CSR to the CA, a checked answer, and renewal before expiry. */
import { EventEmitter } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { Backoff, type BackoffPolicy } from '../../lib/backoff.ts';
import { systemClock, type Clock, type Timer } from '../../lib/clock.ts';
import { messageOf, WeftError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { CertificateRequest, CertificateResponse } from '../../model/control-protocol.ts';
import { mustParseSpiffeId } from '../../model/spiffe.ts';
import { spiffeIdFromSubjectAltName } from './identity.ts';
import { createCsr, generateWorkloadKey } from './csr.ts';

/** What a TLS context is built from (`tls.createSecureContext({ key, cert, ca })`). Immutable. */
export interface CertificateBundle {
  /** PKCS#8 PEM. Made here; never sent anywhere. */
  readonly keyPem: string;
  /** Leaf first, then intermediates, concatenated PEM. */
  readonly certChainPem: string;
  /** Roots to verify peers with, concatenated PEM. */
  readonly trustBundlePem: string;
  /** The leaf's notAfter, ms since the epoch. */
  readonly notAfter: number;
  readonly spiffeId: string;
}

export interface CertificateManagerOptions {
  /** The identity to ask for, `spiffe://<td>/ns/<ns>/sa/<sa>`. */
  readonly spiffeId: string;
  /** Sends the CSR to the CA (POST /v1/certificates) and returns its answer. */
  readonly request: (req: CertificateRequest) => Promise<CertificateResponse>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Lifetime to ask for; the CA may grant less. Absent: the CA's default. */
  readonly ttlMs?: number;
  /** Random source in [0, 1) for jitter; tests pin it. */
  readonly random?: () => number;
}

/** WEFT_CERT_REJECTED: the CA's answer is not a usable certificate for this sidecar (see the message). */
export class CertificateRejectedError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CERT_REJECTED', message, options);
  }
}

/** WEFT_CERT_UNAVAILABLE: start() gave up after its attempts; the cause is the last failure. */
export class CertificateUnavailableError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CERT_UNAVAILABLE', message, options);
  }
}

/** WEFT_CERT_NOT_READY: current() before start() obtained a certificate, or start() after stop(). */
export class CertificateNotReadyError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CERT_NOT_READY', message, options);
  }
}

/**
 * Renewal at half the lifetime, ± 5 % of it, like Istio's agent (SECRET_GRACE_PERIOD_RATIO 0.5
 * with jitter): with 24 h certificates that is after 11.4–12.6 h, spread so that sidecars started
 * together do not renew together, and leaving half the lifetime for retries.
 */
export const RENEW_AT_FRACTION = 0.5;
export const RENEW_JITTER_FRACTION = 0.05;
/** Retries after a failed renewal or first request: full jitter, 1 s doubling to 5 min. */
export const RETRY_POLICY: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };
/** While a certificate is still valid, a retry waits at most half of what remains (but at least this), so retries quicken as expiry nears. */
export const MIN_RETRY_MS = 500;
/** start() tries this many times (about 15 s of backoff at most) before it rejects. */
export const START_ATTEMPTS = 5;


type Events = { rotated: [bundle: CertificateBundle] };

/**
 * Lifecycle: start() → (renewal timer → renew → `rotated`)* → stop(). The current bundle is
 * replaced only by a newer one that passed every check; while a renewal keeps failing, the
 * current bundle stays in service and retries continue with backoff. `rotated` fires for every
 * replacement (not for the first certificate: start() resolving marks that); listeners rebuild
 * their TLS contexts, and open connections keep the context they were made with.
 */
export class CertificateManager extends EventEmitter<Events> {
  readonly spiffeId: string;
  readonly #request: (req: CertificateRequest) => Promise<CertificateResponse>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttlMs: number | undefined;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  #bundle: CertificateBundle | null = null;
  #timer: Timer | null = null;
  #nextRenewalAt: number | null = null;
  #inFlight: Promise<CertificateBundle> | null = null;
  #stopped = false;
  /** Wakes a start() that is waiting between attempts when stop() is called. */
  #wakeStart: (() => void) | null = null;

  constructor(opts: CertificateManagerOptions) {
    super();
    mustParseSpiffeId(opts.spiffeId);
    this.spiffeId = opts.spiffeId;
    this.#request = opts.request;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = (opts.logger ?? silentLogger).child({ spiffeId: opts.spiffeId });
    this.#ttlMs = opts.ttlMs;
    this.#random = opts.random ?? Math.random;
    this.#backoff = new Backoff(RETRY_POLICY, this.#random);
  }

  /**
   * Obtains the first certificate, trying up to START_ATTEMPTS times with backoff, then keeps it
   * renewed until stop(). Resolves with the bundle; rejects with CertificateUnavailableError
   * (cause: the last failure), or CertificateNotReadyError when stop() interrupts it.
   */
  async start(): Promise<CertificateBundle> {
    if (this.#stopped) throw new CertificateNotReadyError('this CertificateManager was stopped; create a new one');
    if (this.#bundle !== null) return this.#bundle;
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return await this.#renew();
      } catch (err) {
        lastError = err;
        if (this.#stopped) break;
        if (attempt === START_ATTEMPTS) break;
        const delay = this.#backoff.next();
        this.#logger.warn({ err: messageOf(err), attempt, retryInMs: Math.round(delay) }, 'could not obtain a workload certificate; retrying');
        await this.#sleep(delay);
        if (this.#stopped) break;
      }
    }
    if (this.#stopped) throw new CertificateNotReadyError('stopped before a certificate was obtained', { cause: lastError });
    throw new CertificateUnavailableError(
      `could not obtain a certificate for ${this.spiffeId} after ${START_ATTEMPTS} attempts: ${messageOf(lastError)}; check that the control plane is reachable and its CA accepts this identity`,
      { cause: lastError },
    );
  }

  /** The bundle in service. Throws CertificateNotReadyError before start() has obtained one. */
  current(): CertificateBundle {
    if (this.#bundle === null) throw new CertificateNotReadyError(`no certificate for ${this.spiffeId} yet: await start() first`);
    return this.#bundle;
  }

  /** When the next renewal (or retry) is due, ms since the epoch; null when none is scheduled. */
  get nextRenewalAt(): number | null {
    return this.#nextRenewalAt;
  }

  /**
   * Renews now (admin action, root change, tests). Concurrent calls share one request. On
   * failure the error is thrown and a retry is scheduled, as for a timed renewal.
   */
  renewNow(): Promise<CertificateBundle> {
    if (this.#stopped) return Promise.reject(new CertificateNotReadyError('this CertificateManager was stopped'));
    return this.#renew();
  }

  /** Cancels timers and any pending start() wait; a request in flight is left to finish and its answer dropped. */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer();
    this.#wakeStart?.();
  }

  /** One renewal; installs the result and schedules the next, or schedules a retry and rethrows. */
  #renew(): Promise<CertificateBundle> {
    this.#inFlight ??= this.#renewOnce().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #renewOnce(): Promise<CertificateBundle> {
    this.#cancelTimer();
    let bundle: CertificateBundle;
    try {
      bundle = await this.#obtain();
    } catch (err) {
      if (!this.#stopped && this.#bundle !== null) this.#scheduleRetry(err);
      throw err;
    }
    if (this.#stopped) throw new CertificateNotReadyError('stopped while a certificate was being requested');
    const previous = this.#bundle;
    this.#bundle = bundle;
    this.#backoff.reset();
    this.#scheduleRenewal(bundle);
    this.#logger.info({ notAfter: new Date(bundle.notAfter).toISOString(), renewAt: new Date(this.#nextRenewalAt ?? 0).toISOString() }, previous === null ? 'obtained workload certificate' : 'rotated workload certificate');
    if (previous !== null) {
      try {
        this.emit('rotated', bundle);
      } catch (err) {
        // A listener's bug must not stop renewals; the new bundle is in place either way.
        this.#logger.error({ err: messageOf(err) }, 'a rotated listener threw');
      }
    }
    return bundle;
  }

  async #obtain(): Promise<CertificateBundle> {
    const key = generateWorkloadKey();
    const csr = createCsr(key, this.spiffeId);
    const response = await this.#request(this.#ttlMs === undefined ? { csr } : { csr, ttlMs: this.#ttlMs });
    return checkResponse(response, { spiffeId: this.spiffeId, spki: key.spki, keyPem: key.keyPem, now: this.#clock.now() });
  }

  #scheduleRenewal(bundle: CertificateBundle): void {
    const now = this.#clock.now();
    const fraction = RENEW_AT_FRACTION + (this.#random() * 2 - 1) * RENEW_JITTER_FRACTION;
    this.#arm(Math.max(0, (bundle.notAfter - now) * fraction));
  }

  #scheduleRetry(err: unknown): void {
    const now = this.#clock.now();
    const remaining = this.#bundle === null ? 0 : this.#bundle.notAfter - now;
    let delay = this.#backoff.next();
    // Keep trying often enough that a CA which comes back before expiry is used before expiry.
    if (remaining > 0) delay = Math.min(delay, Math.max(MIN_RETRY_MS, remaining / 2));
    const fields = { err: messageOf(err), attempt: this.#backoff.attempt, retryInMs: Math.round(delay), notAfter: new Date(this.#bundle?.notAfter ?? 0).toISOString() };
    if (remaining > 0) this.#logger.warn(fields, 'certificate renewal failed; the current certificate stays in service; retrying');
    else this.#logger.error(fields, 'certificate renewal failed and the current certificate has expired: peers will refuse this sidecar until renewal succeeds; retrying');
    this.#arm(delay);
  }

  #arm(delay: number): void {
    this.#cancelTimer();
    this.#nextRenewalAt = this.#clock.now() + delay;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#nextRenewalAt = null;
      // Failures are logged and a retry is armed inside #renewOnce.
      this.#renew().catch(() => {});
    }, delay);
  }

  #cancelTimer(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#nextRenewalAt = null;
  }

  /** A wait between start() attempts that stop() can cut short. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      // The Clock's timers do not keep the process alive (renewal must not), but a start() in
      // progress must: nothing else may be open yet, and Node would exit mid-await.
      const hold = setInterval(() => {}, 2 ** 30);
      let timer: Timer | null = null;
      const done = (): void => {
        clearInterval(hold);
        timer?.cancel();
        this.#wakeStart = null;
        resolve();
      };
      timer = this.#clock.setTimeout(done, ms);
      this.#wakeStart = done;
    });
  }
}

/**
 * Checks the CA's answer before anything uses it: the chain parses, each certificate is signed by
 * the next and the last by a root of the trust bundle, all are valid now, the leaf is not a CA,
 * carries exactly the SPIFFE id asked for, and certifies the key made for this request.
 */
export function checkResponse(
  res: CertificateResponse,
  want: { readonly spiffeId: string; readonly spki: Buffer; readonly keyPem: string; readonly now: number },
): CertificateBundle {
  const chainPems = pemList(res?.certChain, 'certChain');
  const rootPems = pemList(res?.trustBundle, 'trustBundle');
  const chain = chainPems.map((pem, i) => parseCert(pem, `certChain[${i}]`));
  const roots = rootPems.map((pem, i) => parseCert(pem, `trustBundle[${i}]`));
  const leaf = chain[0]!;

  if (!leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(want.spki)) {
    throw new CertificateRejectedError('the issued certificate is not for the key this sidecar generated');
  }
  const got = spiffeIdFromSubjectAltName(leaf.subjectAltName);
  if (got !== want.spiffeId) {
    throw new CertificateRejectedError(`the issued certificate carries ${got ?? `no single SPIFFE id (${leaf.subjectAltName ?? 'no SAN'})`}, asked for ${want.spiffeId}`);
  }
  if (leaf.ca) throw new CertificateRejectedError('the issued certificate is a CA certificate; a workload certificate must have CA:false');

  for (const [i, cert] of chain.entries()) {
    const from = cert.validFromDate.getTime();
    const to = cert.validToDate.getTime();
    if (want.now < from || want.now >= to) {
      throw new CertificateRejectedError(`certChain[${i}] is not valid now (valid ${cert.validFromDate.toISOString()} – ${cert.validToDate.toISOString()}); check the clocks of this host and the control plane`);
    }
    const next = chain[i + 1];
    if (next !== undefined) {
      if (!next.ca || !cert.checkIssued(next) || !cert.verify(next.publicKey)) {
        throw new CertificateRejectedError(`certChain[${i}] is not signed by certChain[${i + 1}]`);
      }
    } else if (!roots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey))) {
      throw new CertificateRejectedError(`certChain[${i}] (issuer ${cert.issuer}) does not chain to any root of the trust bundle`);
    }
  }

  return {
    keyPem: want.keyPem,
    certChainPem: chainPems.map(withNewline).join(''),
    trustBundlePem: rootPems.map(withNewline).join(''),
    notAfter: leaf.validToDate.getTime(),
    spiffeId: want.spiffeId,
  };
}

function pemList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
    throw new CertificateRejectedError(`the CA's answer has no ${field} (a non-empty list of PEM certificates)`);
  }
  return value as string[];
}

function parseCert(pem: string, where: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new CertificateRejectedError(`${where} is not a PEM certificate (${messageOf(err)})`, { cause: err });
  }
}

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : pem + '\n';
}
