// Proxy-side sanity checks of the mTLS parts of a ProxyConfig (issue 4, item 1): inbound modes and TLS origination settings.
import { MTLS_MODES } from './proxy-config.ts';

type Bad = (path: string, msg: string) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMode = (v: unknown): boolean => (MTLS_MODES as readonly unknown[]).includes(v);
const isPort = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const optString = (v: unknown): boolean => v === undefined || (typeof v === 'string' && v !== '');

export function checkInboundMtls(v: unknown, p: string, bad: Bad): void {
  if (!isObject(v)) return bad(p, 'not an object');
  if (!isMode(v.mode)) bad(`${p}.mode`, `unknown mode ${String(v.mode)}`);
  if (v.portModes === undefined) return;
  if (!Array.isArray(v.portModes)) return bad(`${p}.portModes`, 'not a list');
  v.portModes.forEach((pm: unknown, i) => {
    if (!isObject(pm) || !isPort(pm.port) || !isMode(pm.mode)) bad(`${p}.portModes[${i}]`, 'not a { port, mode }');
  });
}

export function checkUpstreamTls(v: unknown, p: string, bad: Bad): void {
  if (!isObject(v)) return bad(p, 'not an object');
  for (const f of ['caCertificates', 'clientCertificate', 'privateKey', 'sni'] as const) {
    if (!optString(v[f])) bad(`${p}.${f}`, 'not a non-empty string');
  }
  if (!Array.isArray(v.subjectAltNames) || v.subjectAltNames.some((s) => typeof s !== 'string')) bad(`${p}.subjectAltNames`, 'not a list of strings');
  if (typeof v.insecureSkipVerify !== 'boolean') bad(`${p}.insecureSkipVerify`, 'not a boolean');
}
