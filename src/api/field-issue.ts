// The input of the config API (named YAML texts) and the one shape every finding about it takes.

export interface SourceText {
  /** File name as the user gave it ("-" for stdin); errors cite it. */
  readonly name: string;
  readonly text: string;
}

/** One finding about the input, located precisely. */
export interface FieldIssue {
  readonly file: string;
  /** 1-based; 0 when the finding has no single place (e.g. across files). */
  readonly line: number;
  readonly column: number;
  /** "<Kind>/<namespace>/<name>" when known. */
  readonly resource?: string;
  /** Dotted path inside the document: "spec.http[0].route[1].weight". */
  readonly path: string;
  readonly message: string;
}

/** "file:line:column: path: message", the one-line form the CLI prints. */
export function formatIssue(issue: FieldIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file || '(input)';
  const what = issue.resource === undefined ? '' : ` ${issue.resource}`;
  const path = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${where}:${what}${path} ${issue.message}`;
}

/**
 * Orders issues by file (in the order the files were given), then line and column; issues of a
 * file not in `fileOrder` (or with no file) come last. Stable, so equal places keep their order.
 */
export function sortIssues(issues: readonly FieldIssue[], fileOrder: readonly string[]): FieldIssue[] {
  const rank = new Map<string, number>();
  fileOrder.forEach((f, i) => { if (!rank.has(f)) rank.set(f, i); });
  const fileRank = (f: string): number => rank.get(f) ?? fileOrder.length;
  return [...issues].sort((a, b) => fileRank(a.file) - fileRank(b.file) || a.line - b.line || a.column - b.column);
}
