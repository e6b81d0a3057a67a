/** The plug-in CA: Istio's cacerts layout read from the user's directory, every file checked at start, turned into a signing CA whose chain leads to the user's root. */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../../lib/errors.ts';
import { PluginCaError, RootInvalidError } from './errors.ts';
import { parseRoot, type RootCa } from './root.ts';

/** Istio's file names (`kubectl create secret generic cacerts --from-file=…`). */
export const PLUGIN_CA_CERT_FILE = 'ca-cert.pem';
export const PLUGIN_CA_KEY_FILE = 'ca-key.pem';
export const PLUGIN_ROOT_CERT_FILE = 'root-cert.pem';
export const PLUGIN_CERT_CHAIN_FILE = 'cert-chain.pem';

/** What signing with a plug-in CA needs: the signing CA, the certificates between it and the root, and the root. */
export interface PluginCa {
  /** The signing CA (ca-cert.pem + ca-key.pem), shaped as the generated root is, so sign.ts treats both alike. */
  readonly signer: RootCa;
  /** PEMs that follow the leaf in every issued chain: ca-cert.pem, then any intermediates above it, never the root. */
  readonly intermediates: readonly string[];
  /** The user's root(s) (root-cert.pem), one PEM each: the trust bundle given to every sidecar. */
  readonly rootPems: readonly string[];
  readonly rootFingerprint256: string;
}

/**
 * Reads and checks `<dir>/{ca-cert,ca-key,root-cert,cert-chain}.pem`. cert-chain.pem (ca-cert,
 * then the intermediates above it, optionally the root: Istio's layout) may be left out when
 * ca-cert.pem is signed by the root directly, or is the root. Throws PluginCaError naming the file
 * and what is wrong: missing, not PEM, key not matching, not a CA, expired, not yet valid,
 * a chain link that does not verify, a chain that does not end at root-cert.pem.
 */
export async function loadPluginCa(dir: string, now: number): Promise<PluginCa> {
  const read = async (name: string, required: boolean): Promise<string | null> => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) return null;
      const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${messageOf(err)})`;
      throw new PluginCaError(`plug-in CA ${dir}: ${name} ${why}; the directory needs ${PLUGIN_CA_CERT_FILE}, ${PLUGIN_CA_KEY_FILE}, ${PLUGIN_ROOT_CERT_FILE} and ${PLUGIN_CERT_CHAIN_FILE} (Istio's cacerts layout)`, { cause: err });
    }
  };
  const caCertPem = (await read(PLUGIN_CA_CERT_FILE, true))!;
  const caKeyPem = (await read(PLUGIN_CA_KEY_FILE, true))!;
  const rootFile = (await read(PLUGIN_ROOT_CERT_FILE, true))!;
  const chainFile = await read(PLUGIN_CERT_CHAIN_FILE, false);

  const roots = certsOf(rootFile, dir, PLUGIN_ROOT_CERT_FILE);
  for (const [i, r] of roots.entries()) {
    const where = `${PLUGIN_ROOT_CERT_FILE}${roots.length > 1 ? `[${i}]` : ''}`;
    if (!r.cert.ca) throw new PluginCaError(`plug-in CA ${dir}: ${where} is not a CA certificate (basicConstraints CA:true is missing)`);
    checkValidity(r.cert, now, dir, where);
  }
  const [ca] = certsOf(caCertPem, dir, PLUGIN_CA_CERT_FILE);
  checkValidity(ca!.cert, now, dir, PLUGIN_CA_CERT_FILE);

  let signer: RootCa;
  try {
    signer = await parseRoot(caCertPem, caKeyPem, { now, source: `plug-in CA ${dir}`, what: `signing CA (${PLUGIN_CA_CERT_FILE})`, allowRsa: true });
  } catch (err) {
    if (err instanceof RootInvalidError) throw new PluginCaError(err.message.replace(`the signing CA (${PLUGIN_CA_CERT_FILE}) key`, `${PLUGIN_CA_KEY_FILE}`), { cause: err });
    throw err;
  }

  // The chain from ca-cert upwards: cert-chain.pem when given (it must start with ca-cert), else ca-cert alone.
  const chain = chainFile === null ? [ca!] : certsOf(chainFile, dir, PLUGIN_CERT_CHAIN_FILE);
  if (!chain[0]!.cert.raw.equals(ca!.cert.raw)) {
    throw new PluginCaError(`plug-in CA ${dir}: ${PLUGIN_CERT_CHAIN_FILE} must begin with ${PLUGIN_CA_CERT_FILE} (then the intermediates above it, up to the root)`);
  }
  const isRoot = (c: X509Certificate): boolean => roots.some((r) => r.cert.raw.equals(c.raw));
  const intermediates: string[] = [];
  for (const [i, link] of chain.entries()) {
    if (isRoot(link.cert)) break; // the root may close the chain file; it goes in the trust bundle, not the chain
    if (i > 0) {
      if (!link.cert.ca) throw new PluginCaError(`plug-in CA ${dir}: ${PLUGIN_CERT_CHAIN_FILE}[${i}] is not a CA certificate`);
      checkValidity(link.cert, now, dir, `${PLUGIN_CERT_CHAIN_FILE}[${i}]`);
    }
    intermediates.push(link.pem);
    const next = chain[i + 1];
    const issuers = next === undefined || isRoot(next.cert) ? roots.map((r) => r.cert) : [next.cert];
    if (!issuers.some((up) => link.cert.checkIssued(up) && link.cert.verify(up.publicKey))) {
      const what = next === undefined || isRoot(next.cert) ? `any certificate of ${PLUGIN_ROOT_CERT_FILE}` : `${PLUGIN_CERT_CHAIN_FILE}[${i + 1}]`;
      throw new PluginCaError(`plug-in CA ${dir}: ${i === 0 ? PLUGIN_CA_CERT_FILE : `${PLUGIN_CERT_CHAIN_FILE}[${i}]`} (issuer ${link.cert.issuer.replaceAll('\n', ', ')}) is not signed by ${what}`);
    }
  }
  return { signer, intermediates: isRoot(ca!.cert) ? [] : intermediates, rootPems: roots.map((r) => r.pem), rootFingerprint256: roots[0]!.cert.fingerprint256 };
}

function certsOf(text: string, dir: string, file: string): { pem: string; cert: X509Certificate }[] {
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new PluginCaError(`plug-in CA ${dir}: ${file} holds no PEM certificate`);
  return pems.map((pem, i) => {
    try {
      return { pem: `${pem}\n`, cert: new X509Certificate(pem) };
    } catch (err) {
      throw new PluginCaError(`plug-in CA ${dir}: ${file}${pems.length > 1 ? `[${i}]` : ''} is not a valid X.509 certificate (${messageOf(err)})`, { cause: err });
    }
  });
}

function checkValidity(cert: X509Certificate, now: number, dir: string, where: string): void {
  if (now < cert.validFromDate.getTime()) {
    throw new PluginCaError(`plug-in CA ${dir}: ${where} is not valid yet (valid from ${cert.validFromDate.toISOString()}); check this host's clock`);
  }
  if (now >= cert.validToDate.getTime()) {
    throw new PluginCaError(`plug-in CA ${dir}: ${where} expired on ${cert.validToDate.toISOString()}; replace it`);
  }
}
