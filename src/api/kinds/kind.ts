// KindDefinition: what Weft must know about one Istio kind (versions, schema, semantic checks, field status).
import type { z } from 'zod';
import type { ObjectMeta } from '../resource.ts';
import type { Reporter } from '../reporter.ts';

export type FieldStatus = 'enforced' | 'accepted' | 'rejected';

/**
 * The status of one field pattern ("spec.http[].retries"); it covers every field under it unless
 * a longer pattern has its own rule. Fields without any rule are `accepted`.
 */
export interface FieldRule {
  readonly status: FieldStatus;
  /**
   * For an enforced field: the values Weft really acts on (others are accepted, not yet enforced).
   * For an accepted field: the values that need nothing from Weft (so they draw no warning).
   */
  readonly enforcedWhen?: (value: unknown) => boolean;
  /** Shown with the warning or error ("Istio rejects it too"). */
  readonly note?: string;
}

/**
 * One folder per kind under kinds/<kind>/: types.ts (the contract type, after istio/api's proto),
 * schema.ts (strict zod schema with compile-time checks against types.ts), validate.ts (Istio's
 * semantic checks), fields.ts (field rules) and index.ts (this definition), registered in kinds/index.ts.
 */
export interface KindDefinition<S = unknown> {
  readonly kind: string;
  /** API group ("networking.istio.io"). */
  readonly group: string;
  /** Versions of the group that carry this kind; all map to one internal shape. */
  readonly versions: readonly string[];
  /** Strict schema of `spec`. */
  readonly spec: z.ZodType<S>;
  /** Field rules by pattern ("spec.http[].route[].weight"); see FieldRule. */
  readonly fields: Readonly<Record<string, FieldRule>>;
  /**
   * Issue 5: for a kind whose YAML may leave `metadata` out (IstioOperator, as `istioctl install -f`
   * reads it), the name it is stored under then. Absent: metadata.name is required.
   */
  readonly defaultName?: string;
  /**
   * Istio's semantic validation of one resource, after the schema has passed. Paths given to the
   * reporter start at the resource root ("spec.http[0]"). Declared as a method so that a
   * KindDefinition<VirtualServiceSpec> can sit in a list of KindDefinition.
   */
  validate(spec: S, metadata: ObjectMeta, report: Reporter): void;
}
