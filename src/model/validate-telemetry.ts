// The proxy-side check of ProxyConfig.telemetry (issue 5): sampling in range, exporter URLs the sidecar can POST to, tags it can set, the metrics switch.
import { TRACE_EXPORT_PROTOCOLS } from './proxy-config.ts';

/** A character Node's HTTP client refuses in a header value (RFC 9110 field-value: tab, visible ASCII, obs-text). */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `v` cannot be sent as an HTTP header value (a control character such as a line break, or one above U+00FF). */
export function badHeaderValue(v: string): boolean {
  return BAD_HEADER_VALUE.test(v);
}

type Bad = (path: string, msg: string) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

export function checkTelemetry(value: unknown, bad: Bad): void {
  const p = 'telemetry';
  if (!isObject(value)) return bad(p, 'not an object');
  const t = value.tracing;
  if (t !== undefined) {
    if (!isObject(t)) return bad(`${p}.tracing`, 'not an object');
    const pct = t.samplingPercent;
    if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0 || pct > 100) bad(`${p}.tracing.samplingPercent`, `not a percentage: ${String(pct)}`);
    const len = t.maxPathTagLength;
    if (typeof len !== 'number' || !Number.isInteger(len) || len < 1) bad(`${p}.tracing.maxPathTagLength`, `not a positive integer: ${String(len)}`);
    if (!Array.isArray(t.exporters)) bad(`${p}.tracing.exporters`, 'not a list');
    else {
      t.exporters.forEach((e: unknown, i) => {
        const q = `${p}.tracing.exporters[${i}]`;
        if (!isObject(e)) return bad(q, 'not an object');
        if (!(TRACE_EXPORT_PROTOCOLS as readonly unknown[]).includes(e.protocol)) bad(`${q}.protocol`, `unknown protocol ${String(e.protocol)}`);
        let url: URL | null = null;
        try { url = typeof e.url === 'string' ? new URL(e.url) : null; } catch { url = null; }
        if (url === null || url.protocol !== 'http:') bad(`${q}.url`, `not an http:// URL: ${String(e.url)}`);
        if (e.timeoutMs !== undefined && (typeof e.timeoutMs !== 'number' || !(e.timeoutMs > 0) || !Number.isFinite(e.timeoutMs))) bad(`${q}.timeoutMs`, `not a positive number of milliseconds: ${String(e.timeoutMs)}`);
        if (e.headers !== undefined) {
          if (!Array.isArray(e.headers)) return bad(`${q}.headers`, 'not a list');
          e.headers.forEach((h: unknown, j) => {
            const r = `${q}.headers[${j}]`;
            if (!isObject(h) || typeof h.name !== 'string' || !FIELD_NAME.test(h.name.toLowerCase())) return bad(`${r}.name`, 'not a header name');
            const sources = [h.value, h.envName].filter((v) => v !== undefined);
            if (sources.length !== 1 || typeof sources[0] !== 'string') bad(r, 'needs exactly one of value, envName (a string)');
            else if (typeof h.value === 'string' && badHeaderValue(h.value)) bad(`${r}.value`, 'carries a character a header value cannot (a control character or one above U+00FF)');
          });
        }
      });
    }
    if (!Array.isArray(t.customTags)) bad(`${p}.tracing.customTags`, 'not a list');
    else {
      t.customTags.forEach((c: unknown, i) => {
        const q = `${p}.tracing.customTags[${i}]`;
        if (!isObject(c) || typeof c.tag !== 'string' || c.tag === '') return bad(q, 'a tag needs a name');
        if (c.kind === 'literal') { if (typeof c.value !== 'string') bad(`${q}.value`, 'missing'); }
        else if (c.kind === 'environment') { if (typeof c.name !== 'string' || c.name === '') bad(`${q}.name`, 'an environment variable name is required'); }
        else if (c.kind === 'header') { if (typeof c.header !== 'string' || !FIELD_NAME.test(c.header)) bad(`${q}.header`, `not a lower-case header name: ${String(c.header)}`); }
        else bad(`${q}.kind`, `unknown kind ${String(c.kind)}`);
      });
    }
  }
  // telemetry.accessLog is checked by validate-access-log.ts (its format strings).
  const m = value.metrics;
  if (m !== undefined && (!isObject(m) || typeof m.enabled !== 'boolean')) bad(`${p}.metrics`, 'needs enabled (boolean)');
}
