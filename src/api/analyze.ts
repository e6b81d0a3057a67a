// validateBatch: the one entry point of the config API: load, per-kind validation, cross-validation, field-status warnings.
import { crossValidate, type BatchMode } from './cross-validate.ts';
import { sortIssues, type FieldIssue, type SourceText } from './field-issue.ts';
import { checkFieldStatus } from './field-status.ts';
import { loadSources, type LoadedResource } from './load.ts';
import { IssueCollector, issueAt } from './reporter.ts';
import { resourceKey, type Resource } from './resource.ts';

export type { BatchMode } from './cross-validate.ts';

/** Every check passed: the caller may store `resources` (in this order). */
export interface AcceptedBatch {
  readonly ok: true;
  /** The resources to apply (or, for a delete, whose keys to delete), normalized, in input order. */
  readonly resources: Resource[];
  readonly errors: [];
  /** "Accepted but not yet enforced" notices and other warnings: print them, they never block. */
  readonly warnings: FieldIssue[];
}

/** At least one error: nothing of the batch may be applied, so no resources are handed out. */
export interface RejectedBatch {
  readonly ok: false;
  readonly resources: [];
  /** Sorted by file (in the order given), line and column. */
  readonly errors: FieldIssue[];
  readonly warnings: FieldIssue[];
}

/** Arrays are fresh copies the caller owns. Warnings are sorted like errors. */
export type BatchResult = AcceptedBatch | RejectedBatch;

/**
 * Validates what `weft apply` / `weft delete` / `weft analyze` was given against the stored config.
 *
 * - `apply`: every document must load (YAML, apiVersion/kind, strict schema), pass its kind's
 *   semantic checks and its field statuses (no rejected field), and the config as it would be
 *   after the apply must hold together (every routed subset defined).
 * - `delete`: only apiVersion, kind and metadata are read; the config as it would be after the
 *   delete must still hold together.
 *
 * The batch is all or nothing: when `ok` is false, `resources` is empty and the caller changes nothing.
 */
export function validateBatch(sources: readonly SourceText[], stored: readonly Resource[], mode: BatchMode): BatchResult {
  const loaded = loadSources(sources, { specs: mode === 'apply' });
  const issues = new IssueCollector();
  issues.add(loaded);
  checkDuplicates(loaded.resources, issues);
  if (mode === 'apply') {
    for (const l of loaded.resources) {
      l.definition.validate(l.resource.spec, l.resource.metadata, issues.reporter(l.origin, resourceKey(l.resource)));
      issues.add(checkFieldStatus(l));
    }
  }
  // A document that did not load would make its dependents look broken too: fix those first.
  if (loaded.errors.length === 0) issues.add(crossValidate({ batch: loaded.resources, stored, mode }));
  if (loaded.resources.length === 0 && issues.errors.length === 0) {
    issues.errors.push({ file: sources.map((s) => s.name).join(', '), line: 0, column: 0, path: '', message: 'no resources found in the input' });
  }

  const files = sources.map((s) => s.name);
  const warnings = sortIssues(issues.warnings, files);
  if (issues.errors.length > 0) return { ok: false, resources: [], errors: sortIssues(issues.errors, files), warnings };
  return { ok: true, resources: loaded.resources.map((l) => l.resource), errors: [], warnings };
}

/** One resource twice in one batch is ambiguous (which one wins?): an error at the second. */
function checkDuplicates(resources: readonly LoadedResource[], issues: IssueCollector): void {
  const first = new Map<string, LoadedResource>();
  for (const l of resources) {
    const key = resourceKey(l.resource);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, l);
      continue;
    }
    issues.errors.push(issueAt(l.origin, key, ['metadata', 'name'], `${key} is given twice in this input (first at ${earlier.origin.file}:${earlier.origin.line}); keep one`));
  }
}
