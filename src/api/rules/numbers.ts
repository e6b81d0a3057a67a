// Numeric ranges Istio checks: ports, percentages, HTTP statuses, non-negative counts.
import type { FieldPath } from '../field-path.ts';
import type { Reporter } from '../reporter.ts';

export function checkPort(port: number | undefined, path: FieldPath, report: Reporter): void {
  if (port !== undefined && (port < 1 || port > 65535)) report.error(path, `port number ${port} must be in the range 1..65535`);
}

/** Integer percentages (maxEjectionPercent, the deprecated fault `percent`, …). */
export function checkPercent(value: number | undefined, path: FieldPath, report: Reporter): void {
  if (value !== undefined && (value < 0 || value > 100)) report.error(path, `percentage ${value} is not in range 0..100`);
}

/** Istio's validatePercentage for Percent messages: 0, or within [0.0001, 100]. */
export function checkPercentage(value: number | undefined, path: FieldPath, report: Reporter): void {
  if (value !== undefined && (value < 0 || value > 100 || (value > 0 && value < 0.0001))) {
    report.error(path, `percentage ${value} is neither 0.0, nor in range [0.0001, 100.0]`);
  }
}

export function checkHttpStatus(status: number | undefined, path: FieldPath, report: Reporter): void {
  if (status !== undefined && (status < 200 || status > 599)) report.error(path, `HTTP status ${status} is not in range 200-599`);
}

export function checkNonNegative(value: number | undefined, what: string, path: FieldPath, report: Reporter): void {
  if (value !== undefined && value < 0) report.error(path, `${what} must be non-negative (got ${value})`);
}
