/**
 * The trace routes (issue 5): the CLI's view of the control plane's trace store. The sidecars feed
 * it through POST /v1/proxies/:id/spans (proxy-routes.ts).
 *
 *   GET /v1/traces?limit=&service=   admin  200 { traces: TraceSummary[] } (most recent first; limit default 20, at most 1000)
 *   GET /v1/traces/:id               admin  200 TraceDetail | 404 WEFT_TRACE_NOT_FOUND
 */
import type { TraceDetail, TraceStore, TraceSummary } from '../telemetry/trace-store.ts';
import { HttpError } from './errors.ts';
import { sendJson } from './respond.ts';
import type { Router } from './router.ts';

export interface TraceRouteDeps {
  readonly traces: TraceStore;
}

export interface TraceList {
  readonly traces: readonly TraceSummary[];
}

export type { TraceDetail, TraceSummary };

export function addTraceRoutes(router: Router, { traces }: TraceRouteDeps): void {
  router.add('GET', '/v1/traces', ({ res, url }) => {
    const raw = url.searchParams.get('limit');
    const limit = raw === null ? 20 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `limit must be an integer in 1..1000 (got ${raw})`);
    const service = url.searchParams.get('service') ?? undefined;
    const body: TraceList = { traces: traces.list({ limit, ...(service === undefined ? {} : { service }) }) };
    sendJson(res, 200, body);
  });

  router.add('GET', '/v1/traces/:id', ({ res, params }) => {
    const id = params.id ?? '';
    const t = traces.get(id);
    if (t === undefined) {
      throw new HttpError(404, 'WEFT_TRACE_NOT_FOUND', `no trace ${id} in the control plane's store (it keeps the most recent traces only, and only sampled requests have one); list them with \`weft traces\``);
    }
    sendJson(res, 200, t);
  });
}
