// The schema of a sidecar's span batch (model/trace.ts SpanBatch): strict, with the size caps that bound the trace store's memory.
import { z } from 'zod';
import { SPAN_KINDS, SPAN_LIMITS, type SpanBatch } from '../../model/trace.ts';
import { HttpError } from './errors.ts';

/** Tag text per span (keys and values together), on top of the per-field caps. */
export const MAX_TAG_TEXT = SPAN_LIMITS.maxTagText;

const hex = (n: number): z.ZodString => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `${n} lower-case hex digits`);

const span = z.strictObject({
  traceId: hex(32),
  spanId: hex(16),
  parentSpanId: hex(16).exactOptional(),
  name: z.string().max(SPAN_LIMITS.maxName),
  kind: z.enum(SPAN_KINDS),
  startUs: z.number().nonnegative(),
  durationUs: z.number().nonnegative(),
  service: z.string().max(SPAN_LIMITS.maxName),
  node: z.string().max(SPAN_LIMITS.maxName),
  error: z.boolean(),
  tags: z.record(z.string().max(SPAN_LIMITS.maxName), z.string().max(SPAN_LIMITS.maxValue))
    .refine((t) => Object.keys(t).length <= SPAN_LIMITS.maxTags, `at most ${SPAN_LIMITS.maxTags} tags`)
    .refine((t) => Object.entries(t).reduce((n, [k, v]) => n + k.length + v.length, 0) <= MAX_TAG_TEXT, `at most ${MAX_TAG_TEXT} characters of tags`),
});

const batch = z.strictObject({ spans: z.array(span).max(SPAN_LIMITS.maxBatch) });

export function parseSpanBatch(body: unknown): SpanBatch {
  const r = batch.safeParse(body);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `not a SpanBatch: ${first === undefined ? 'invalid' : `${first.path.join('.')}: ${first.message}`}`);
}
