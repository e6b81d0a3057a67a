// Helpers for the api tests: build resources as objects, run them through validateBatch, find issues by path.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { validateBatch, type BatchMode, type BatchResult } from './analyze.ts';
import type { FieldIssue, SourceText } from './field-issue.ts';
import type { Resource } from './resource.ts';

export const NETWORKING_VERSIONS = ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'] as const;

export function virtualService(spec: unknown, name = 'order-service', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, ...extra }, spec };
}

export function destinationRule(spec: unknown, name = 'order-service', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, ...extra }, spec };
}

/** The order-service DestinationRule with subsets v1 and v2. */
export const ORDER_SUBSETS = destinationRule({
  host: 'order-service',
  subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
});

/** A plain route to order-service, for specs that only exercise one field. */
export const ROUTE_TO_ORDER = [{ destination: { host: 'order-service' } }];

export function yamlOf(...docs: readonly unknown[]): string {
  return docs.map((d) => stringify(d)).join('---\n');
}

export function apply(docs: readonly unknown[], stored: readonly Resource[] = [], mode: BatchMode = 'apply'): BatchResult {
  return validateBatch([{ name: 'test.yaml', text: yamlOf(...docs) }], stored, mode);
}

export function testdata(dir: string, file: string): SourceText {
  return { name: file, text: readFileSync(new URL(`./kinds/${dir}/testdata/${file}`, import.meta.url), 'utf8') };
}

/** Issues at exactly `path`. */
export function at(issues: readonly FieldIssue[], path: string): FieldIssue[] {
  return issues.filter((i) => i.path === path);
}

/** One-line summaries, for assertion messages. */
export function show(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.path}: ${i.message}`).join('\n');
}
