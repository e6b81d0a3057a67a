// Object metadata: its schema, Kubernetes' naming rules, and the server-written fields Weft reads past.
import { z } from 'zod';
import type { FieldPath } from './field-path.ts';
import type { Reporter } from './reporter.ts';
import { validateLabels } from './rules/labels.ts';
import { isDns1123Label, isDns1123Subdomain } from './rules/names.ts';
import { stringMap } from './schema/primitives.ts';

/** Namespace of a resource whose YAML leaves it out, as kubectl defaults it. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Fields the API server writes into `kubectl get -o yaml` output. They are allowed, so that such
 * output can be applied as is, and ignored with a warning.
 */
export const SERVER_WRITTEN_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'] as const;

export const objectMetaSchema = z.strictObject({
  name: z.string(),
  namespace: z.string().exactOptional(),
  labels: stringMap().exactOptional(),
  annotations: stringMap().exactOptional(),
  ...Object.fromEntries(SERVER_WRITTEN_METADATA.map((k) => [k, z.unknown().optional()])),
});

export type ObjectMetaInput = z.infer<typeof objectMetaSchema>;

/** Kubernetes' rules: a DNS-1123 subdomain name, a DNS-1123 label namespace, valid labels. */
export function validateMetadata(meta: ObjectMetaInput, report: Reporter): void {
  const at = (field: string): FieldPath => ['metadata', field];
  if (meta.name === '') report.error(at('name'), 'metadata.name is required');
  else if (!isDns1123Subdomain(meta.name)) {
    report.error(at('name'), `invalid name "${meta.name}": lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters`);
  }
  if (meta.namespace !== undefined && !isDns1123Label(meta.namespace)) {
    report.error(at('namespace'), `invalid namespace "${meta.namespace}": lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters`);
  }
  validateLabels(meta.labels, at('labels'), report);
  for (const k of SERVER_WRITTEN_METADATA) {
    if ((meta as Record<string, unknown>)[k] !== undefined) report.warning(at(k), `metadata.${k} is written by the API server; Weft ignores it`);
  }
}
