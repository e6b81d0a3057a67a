/**
 * Runtime schemas of the request bodies (the JSON of control-protocol.ts and types.ts), and
 * `parseBody`, which turns a mismatch into a 400 naming each bad field. Unknown fields are
 * dropped, not rejected, so that a newer sidecar or CLI can talk to this control plane.
 */
import { z } from 'zod';
import type { CertificateRequest, ConfigAck, WorkloadRegistration } from '../../model/control-protocol.ts';
import { LATENCY_BUCKETS_MS, type TelemetryReport } from '../../model/telemetry-report.ts';
import { HttpError } from './errors.ts';
import type { ApplyRequest } from './types.ts';

/**
 * Namespaces, workload and service names are DNS labels as in Kubernetes (RFC 1123). No dots,
 * so that the proxy id "<workload>.<namespace>" names exactly one workload.
 */
const dnsLabel = z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lower-case DNS label: a-z, 0-9 and "-", starting and ending with a letter or digit');
const port = z.number().int().min(1).max(65535);

export const applyRequestSchema = z.object({
  sources: z.array(z.object({ name: z.string(), text: z.string() })),
});

export const workloadRegistrationSchema = z.object({
  name: dnsLabel,
  namespace: dnsLabel,
  service: dnsLabel,
  labels: z.record(z.string(), z.string()),
  serviceAccount: z.string().min(1).max(253),
  address: z.string().min(1).max(253),
  ports: z.array(z.object({
    port,
    targetPort: port,
    protocol: z.literal('http'),
    name: z.string().optional(),
  })).min(1),
  adminPort: port.optional(),
});

export const certificateRequestSchema = z.object({
  csr: z.string().min(1),
  // Range checks are the CA's (WEFT_CA_BAD_TTL), so that one place states the limits.
  ttlMs: z.number().optional(),
});

export const configAckSchema = z.object({
  version: z.string().min(1),
  error: z.string().optional(),
});

/** Issue 5: a sidecar's telemetry report (model/telemetry-report.ts); sizes bounded so a report cannot grow the window without limit. */
const workloadRef = z.object({ namespace: z.string().max(63), workload: z.string().max(253), app: z.string().max(253), version: z.string().max(253) });
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const telemetryReportSchema = z.object({
  intervalMs: z.number().min(0).max(86_400_000),
  droppedEdges: count,
  edges: z.array(z.object({
    source: workloadRef.nullable(),
    destinationService: z.string().min(1).max(253),
    destination: workloadRef.nullable(),
    mtls: z.boolean(),
    requests: count,
    errors: count,
    latencyBuckets: z.array(count).max(LATENCY_BUCKETS_MS.length + 1),
    latencySumMs: z.number().min(0),
  })).max(10_000),
});

export const parseApplyRequest = (v: unknown) => parseBody<ApplyRequest>(applyRequestSchema, v, 'an ApplyRequest { "sources": [{ "name", "text" }] }');
export const parseRegistration = (v: unknown) => parseBody<WorkloadRegistration>(workloadRegistrationSchema, v, 'a WorkloadRegistration');
export const parseCertificateRequest = (v: unknown) => parseBody<CertificateRequest>(certificateRequestSchema, v, 'a CertificateRequest { "csr": "<PEM>" }');
export const parseConfigAck = (v: unknown) => parseBody<ConfigAck>(configAckSchema, v, 'a ConfigAck { "version", "error"? }');
export const parseTelemetryReport = (v: unknown) => parseBody<TelemetryReport>(telemetryReportSchema, v, 'a TelemetryReport { "intervalMs", "edges", "droppedEdges" }');

/**
 * `what` names the expected body in the advice. The cast to the contract type is sound: parsed
 * JSON has no undefined values, and zod adds no key for an absent optional field (which is all
 * that exactOptionalPropertyTypes would object to).
 */
function parseBody<T>(schema: z.ZodType, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data as T;
  const problems = r.error.issues.slice(0, 10).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`);
  throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `the request body is not ${what}: ${problems.join('; ')}`);
}
