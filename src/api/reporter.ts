// Reporter: how validators state findings by field path; the collector puts them on file, line and column.
import type { FieldIssue } from './field-issue.ts';
import { formatPath, type FieldPath } from './field-path.ts';
import type { ResourceOrigin } from './parse-yaml.ts';

/** What a validator calls; paths are relative to the resource ("spec.http[0].route"). */
export interface Reporter {
  error(path: FieldPath, message: string): void;
  warning(path: FieldPath, message: string): void;
}

/** A finding about `path` of a resource that came from `origin` (or has no source, as a stored one). */
export function issueAt(origin: ResourceOrigin | undefined, resource: string | undefined, path: FieldPath, message: string): FieldIssue {
  const where = origin === undefined ? { file: '', line: 0, column: 0 } : { file: origin.file, ...origin.locate(path) };
  const full = origin === undefined ? path : [...origin.basePath, ...path];
  return { ...where, ...(resource === undefined ? {} : { resource }), path: formatPath(full), message };
}

/** Collects errors and warnings from any number of reporters. */
export class IssueCollector {
  readonly errors: FieldIssue[] = [];
  readonly warnings: FieldIssue[] = [];

  /** A reporter for one resource. */
  reporter(origin: ResourceOrigin | undefined, resource: string | undefined): Reporter {
    return {
      error: (path, message) => { this.errors.push(issueAt(origin, resource, path, message)); },
      warning: (path, message) => { this.warnings.push(issueAt(origin, resource, path, message)); },
    };
  }

  add(issues: { readonly errors: readonly FieldIssue[]; readonly warnings: readonly FieldIssue[] }): void {
    this.errors.push(...issues.errors);
    this.warnings.push(...issues.warnings);
  }
}
