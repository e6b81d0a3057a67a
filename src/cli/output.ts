// How the CLI prints: kubectl-style tables, apply/delete result lines, located errors and warnings, YAML/JSON documents.
import type { FieldIssue, ResourceResult } from '../controlplane/http-api/types.ts';
import { qualifiedKind } from './kinds.ts';

/** Columns separated by three spaces, padded to the widest cell, no trailing blanks (kubectl's printer). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "file:line:col spec.path" — the location part of an issue, as much of it as is known. */
export function issueLocation(issue: FieldIssue): string {
  let where = issue.file;
  if (issue.line > 0) where += `:${issue.line}`;
  if (issue.line > 0 && issue.column > 0) where += `:${issue.column}`;
  return issue.path === '' ? where : `${where} ${issue.path}`;
}

/** `error: file:line:col spec.path: message` */
export function formatError(issue: FieldIssue): string {
  return `error: ${issueLocation(issue)}: ${issue.message}`;
}

/** `Warning: file:line spec.path: message` (kubectl's capitalisation; column left out as it adds nothing for a notice). */
export function formatWarning(issue: FieldIssue): string {
  return `Warning: ${issueLocation({ ...issue, column: 0 })}: ${issue.message}`;
}

/** `virtualservice.networking.istio.io/order-service created`, or kubectl's quoted form for deletions. */
export function formatResult(r: ResourceResult): string {
  const kind = qualifiedKind(r.kind);
  switch (r.action) {
    case 'created':
    case 'configured':
    case 'unchanged':
      return `${kind}/${r.name} ${r.action}`;
    case 'deleted':
      return `${kind} "${r.name}" deleted`;
    case 'not-found':
      return `${kind} "${r.name}" not found`;
  }
}

/** Relative age as kubectl prints it: 42s, 7m, 3h, 2d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Several objects as YAML documents separated by `---` (re-appliable with `weft apply -f`). */
export async function toYamlDocuments(objects: readonly unknown[]): Promise<string> {
  // Loaded on demand: most commands never print YAML, and every command pays for what it imports.
  const { stringify } = await import('yaml');
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** One object, or kubectl's List envelope for several. */
export function toJson(objects: readonly unknown[], single: boolean): string {
  const value = single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  return JSON.stringify(value, null, 2);
}

/** "a, b and 3 more" — short lists in table cells. */
export function shortList(items: readonly string[], max = 3): string {
  if (items.length === 0) return '<none>';
  if (items.length <= max) return items.join(',');
  return `${items.slice(0, max).join(',')},+${items.length - max} more`;
}
