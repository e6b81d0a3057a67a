// loadSources: YAML texts to typed resources, each with its origin; every problem named by file, line, column and path.
import { z } from 'zod';
import type { FieldIssue, SourceText } from './field-issue.ts';
import type { KindDefinition } from './kinds/kind.ts';
import { lookupKind } from './kinds/index.ts';
import { DEFAULT_NAMESPACE, objectMetaSchema, validateMetadata } from './metadata.ts';
import { isRecord, parseSources, type RawDocument, type ResourceOrigin } from './parse-yaml.ts';
import { IssueCollector } from './reporter.ts';
import type { ObjectMeta, Resource } from './resource.ts';
import { resourceKey } from './resource.ts';
import { describeZodIssues } from './schema/zod-issues.ts';

export type { ResourceOrigin } from './parse-yaml.ts';

/** A resource read from the input, with where it came from. */
export interface LoadedResource {
  /** Normalized: metadata.namespace defaulted, server-written metadata and status dropped; apiVersion as written. */
  readonly resource: Resource;
  readonly origin: ResourceOrigin;
  readonly definition: KindDefinition;
}

export interface LoadResult {
  /** Resources that passed the schema, in input order. */
  readonly resources: readonly LoadedResource[];
  readonly errors: readonly FieldIssue[];
  readonly warnings: readonly FieldIssue[];
}

export interface LoadOptions {
  /**
   * Check each spec against its kind's schema (default). `false` reads only apiVersion, kind and
   * metadata, which is all a delete needs: a file that no longer validates can still be deleted.
   */
  readonly specs?: boolean;
}

/**
 * Parses multi-document YAML (documents separated by "---"; empty ones skipped; `kind: List` items
 * unpacked) into typed resources. A document with any error is left out of `resources`.
 */
export function loadSources(sources: readonly SourceText[], options: LoadOptions = {}): LoadResult {
  const parsed = parseSources(sources);
  const issues = new IssueCollector();
  issues.add(parsed);
  const resources: LoadedResource[] = [];
  for (const doc of parsed.documents) {
    const loaded = loadDocument(doc, options.specs !== false, issues);
    if (loaded !== undefined) resources.push(loaded);
  }
  return { resources, errors: issues.errors, warnings: issues.warnings };
}

function loadDocument(doc: RawDocument, checkSpec: boolean, issues: IssueCollector): LoadedResource | undefined {
  const { value, origin } = doc;
  const bare = issues.reporter(origin, undefined);
  if (!isRecord(value)) {
    bare.error([], 'a resource must be a YAML mapping with apiVersion, kind, metadata and spec');
    return undefined;
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    if (typeof apiVersion !== 'string') bare.error(['apiVersion'], 'apiVersion is required (as "networking.istio.io/v1")');
    if (typeof kind !== 'string') bare.error(['kind'], 'kind is required (as "VirtualService")');
    return undefined;
  }
  const lookup = lookupKind(apiVersion, kind);
  if (!lookup.ok) {
    bare.error([lookup.field], lookup.message);
    return undefined;
  }
  const definition = lookup.definition;
  if (value['metadata'] === undefined && definition.defaultName !== undefined) value['metadata'] = { name: definition.defaultName };
  const name = isRecord(value['metadata']) ? value['metadata']['name'] : undefined;
  const namespace = isRecord(value['metadata']) ? value['metadata']['namespace'] : undefined;
  const key = typeof name === 'string'
    ? resourceKey({ kind, metadata: { name, namespace: typeof namespace === 'string' ? namespace : DEFAULT_NAMESPACE } })
    : undefined;
  const report = issues.reporter(origin, key);

  const schema = checkSpec ? envelopeSchema(definition) : ENVELOPE_ONLY;
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) {
    for (const f of describeZodIssues(result.error.issues, schema)) report.error(f.path, f.message);
    return undefined;
  }
  const before = issues.errors.length;
  validateMetadata(result.data.metadata, report);
  if (result.data.status !== undefined) report.warning(['status'], 'status is written by the control plane; Weft ignores it');
  if (issues.errors.length > before) return undefined;

  const m = result.data.metadata;
  const metadata: ObjectMeta = {
    name: m.name,
    namespace: m.namespace ?? DEFAULT_NAMESPACE,
    ...(m.labels === undefined ? {} : { labels: m.labels }),
    ...(m.annotations === undefined ? {} : { annotations: m.annotations }),
  };
  const resource: Resource = { apiVersion, kind, metadata, spec: result.data.spec };
  return { resource, origin, definition };
}

function envelopeOf(spec: z.ZodType) {
  return z.strictObject({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: objectMetaSchema,
    spec,
    status: z.unknown().optional(),
  });
}

/** Built once per kind: zod compiles an object schema on first use, which is too costly per document. */
const envelopes = new WeakMap<KindDefinition, ReturnType<typeof envelopeOf>>();
function envelopeSchema(def: KindDefinition): ReturnType<typeof envelopeOf> {
  let schema = envelopes.get(def);
  if (schema === undefined) {
    schema = envelopeOf(def.spec);
    envelopes.set(def, schema);
  }
  return schema;
}

const ENVELOPE_ONLY = envelopeOf(z.unknown());
