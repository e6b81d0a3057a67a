/** The CA's errors: a CSR it refuses (the caller's fault, answer 400) or a root it cannot use (the operator's fault); each with a stable WEFT_CA_* code. */
import { WeftError } from '../../lib/errors.ts';

/** Base of every refusal caused by the request itself; the HTTP API answers these with 400 and the message. */
export class CsrRejectedError extends WeftError {}

/** WEFT_CA_BAD_CSR: the CSR is not a PEM PKCS#10 request, is too large, or its signature does not verify. */
export class BadCsrError extends CsrRejectedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_BAD_CSR', message, options);
  }
}

/** WEFT_CA_KEY_UNSUPPORTED: the CSR's public key is not ECDSA P-256/P-384 or RSA 2048–4096. */
export class UnsupportedKeyError extends CsrRejectedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_KEY_UNSUPPORTED', message, options);
  }
}

/** WEFT_CA_IDENTITY: the CSR does not ask for exactly one valid SPIFFE id of this CA's trust domain. */
export class IdentityRejectedError extends CsrRejectedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_IDENTITY', message, options);
  }
}

/** WEFT_CA_BAD_TTL: the requested lifetime is not a number of milliseconds ≥ the CA's minimum. */
export class BadTtlError extends CsrRejectedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_BAD_TTL', message, options);
  }
}

/** WEFT_CA_ROOT_INVALID: the root files on disk cannot be used (unreadable, half missing, mismatched, not a CA, expired). */
export class RootInvalidError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_ROOT_INVALID', message, options);
  }
}

/** WEFT_CA_CONFIG: CertificateAuthority options out of bounds (trust domain, default TTL). */
export class CaConfigError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_CONFIG', message, options);
  }
}

/** WEFT_CA_PLUGIN_INVALID: the plug-in CA directory (`--ca-dir`, Istio's cacerts layout) cannot be used; the message names the file and the reason. */
export class PluginCaError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_CA_PLUGIN_INVALID', message, options);
  }
}
