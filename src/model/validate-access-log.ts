// The proxy-side check of ProxyConfig.telemetry.accessLog.textFormat (issue 5): a format string the sidecar can parse and run; anything else is NACKed (the object's shape is validate-telemetry.ts's).
import { parseAccessLogFormat } from './access-log-format.ts';

export function checkAccessLog(v: unknown, path: string, bad: (path: string, msg: string) => void): void {
  if (typeof v !== 'object' || v === null) return;
  const textFormat = (v as Record<string, unknown>).textFormat;
  if (textFormat === undefined) return;
  if (typeof textFormat !== 'string') return bad(`${path}.textFormat`, 'not a string');
  const parsed = parseAccessLogFormat(textFormat);
  if ('error' in parsed) bad(`${path}.textFormat`, parsed.error);
}
