// Throw-away mTLS material for the HAProxy chain, made with openssl at run time: a CA and two leaves shaped like Weft's (ECDSA P-256, SPIFFE URI SAN).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HaproxyCerts {
  readonly dir: string;
  /** The CA certificate both hops trust. */
  readonly caFile: string;
  /** Certificate + key (HAProxy's `crt` format) of the outbound hop, presented as a client. */
  readonly clientPem: string;
  /** Certificate + key of the inbound hop, presented as a server. */
  readonly serverPem: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes the CA and both leaves under `dir` (a temporary directory that the caller removes). */
export function makeHaproxyCerts(dir: string, trustDomain = 'cluster.local'): HaproxyCerts {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/O=weft-bench/CN=bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name: string, sa: string, usage: string): string => {
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      `subjectAltName=URI:spiffe://${trustDomain}/ns/default/sa/${sa}`,
      '',
    ].join('\n'));
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=weft-bench/CN=${sa}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${name}.crt`], dir);
    const pem = join(dir, `${name}.pem`);
    writeFileSync(pem, readFileSync(join(dir, `${name}.crt`), 'utf8') + readFileSync(join(dir, `${name}.key`), 'utf8'), { mode: 0o600 });
    return pem;
  };
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    clientPem: leaf('client', 'client', 'clientAuth,serverAuth'),
    serverPem: leaf('server', 'backend', 'serverAuth,clientAuth'),
  };
}
