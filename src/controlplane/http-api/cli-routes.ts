/**
 * The CLI-facing routes of http-api/types.ts. Apply and delete validate the whole request against
 * the stored config first and store nothing if anything is wrong; mutations run one at a time, so
 * that what was validated is what is changed.
 *
 *   POST /v1/apply     200 ApplyResponse | 400 ApplyResponse + error WEFT_APPLY_INVALID | 400 | 413 | 500 WEFT_STORE_WRITE_FAILED
 *   POST /v1/delete    200 ApplyResponse | 400 ApplyResponse + error WEFT_DELETE_INVALID | 400 | 413 | 500
 *   POST /v1/analyze   200 ApplyResponse (ok false when there are errors; results say what an apply would do) | 400 | 413
 *   GET  /v1/resources?kind=&namespace=&name=   200 { items }
 *   GET  /v1/proxies   200 { proxies }
 *   GET  /v1/workloads 200 { workloads }
 *   GET  /healthz      200 { ok, version, revision }
 *   GET  /v1/graph     200 ServiceGraph (issue 5: the service graph over the telemetry window)
 *   GET  /v1/workloads/:namespace/:name/secret   200 WorkloadSecret | 404 WEFT_WORKLOAD_UNKNOWN | 502 WEFT_SECRET_UNAVAILABLE
 *        (issue 4: the sidecar's own /certs, for `weft proxy-config secret`)
 */
import { resourceKey, type Resource } from '../../api/resource.ts';
import type { PushServer } from '../push/server.ts';
import type { ServiceRegistry } from '../registry/registry.ts';
import type { EdgeWindow } from '../telemetry/edge-window.ts';
import type { ServiceGraph } from '../telemetry/graph-types.ts';
import { buildServiceGraph } from '../telemetry/service-graph.ts';
import { planBatch } from '../store/batch.ts';
import { refOf, type ResourceStore } from '../store/store.ts';
import { readJson } from './body.ts';
import { HttpError } from './errors.ts';
import { fetchSidecarSecret } from './sidecar-secret.ts';
import { sendJson } from './respond.ts';
import type { Router } from './router.ts';
import { parseApplyRequest } from './schemas.ts';
import type { ApplyResponse, FieldIssue, HealthResponse, ResourceList, SourceText, WorkloadSecret, WorkloadStatus } from './types.ts';

/** api/analyze.ts validateBatch: load, validate each kind, cross-validate against what is stored. */
export type ValidateBatch = (
  sources: SourceText[],
  stored: readonly Resource[],
  mode: 'apply' | 'delete',
) => { resources: Resource[]; errors: FieldIssue[]; warnings: FieldIssue[] };

export interface CliRouteDeps {
  readonly store: ResourceStore;
  readonly registry: ServiceRegistry;
  readonly push: PushServer;
  readonly validate: ValidateBatch;
  /** Weft's version, for /healthz. */
  readonly version: string;
  readonly maxBodyBytes: number;
  /** Issue 5: the sidecars' telemetry over a sliding window, for GET /v1/graph. */
  readonly graph: EdgeWindow;
}

const APPLY_BODY = 'an ApplyRequest { "sources": [{ "name", "text" }] }';

export function addCliRoutes(router: Router, deps: CliRouteDeps): void {
  const { store, registry, push, validate, maxBodyBytes } = deps;
  const serial = serialQueue();

  const mutate = (mode: 'apply' | 'delete') => serial<[SourceText[]], { status: number; body: ApplyResponse }>(async (sources) => {
    const v = validate(sources, store.list(), mode);
    if (v.errors.length > 0) {
      const code = mode === 'apply' ? 'WEFT_APPLY_INVALID' : 'WEFT_DELETE_INVALID';
      const message = `${v.errors.length} error${v.errors.length === 1 ? '' : 's'} in the input; nothing was ${mode === 'apply' ? 'applied' : 'deleted'}. Fix the errors listed and run it again`;
      return { status: 400, body: { ok: false, results: [], errors: v.errors, warnings: v.warnings, revision: store.revision, error: { code, message } } };
    }
    const batch = mode === 'apply' ? await store.applyBatch(v.resources, []) : await store.applyBatch([], v.resources.map(refOf));
    return { status: 200, body: { ok: true, results: batch.results, errors: [], warnings: v.warnings, revision: batch.revision } };
  });
  const apply = mutate('apply');
  const remove = mutate('delete');

  router.add('POST', '/v1/apply', async ({ req, res }) => {
    const { sources } = parseApplyRequest(await readJson(req, maxBodyBytes, APPLY_BODY));
    const { status, body } = await apply([...sources]);
    sendJson(res, status, body);
  });

  router.add('POST', '/v1/delete', async ({ req, res }) => {
    const { sources } = parseApplyRequest(await readJson(req, maxBodyBytes, APPLY_BODY));
    const { status, body } = await remove([...sources]);
    sendJson(res, status, body);
  });

  router.add('POST', '/v1/analyze', async ({ req, res }) => {
    const { sources } = parseApplyRequest(await readJson(req, maxBodyBytes, APPLY_BODY));
    const stored = store.list();
    const v = validate([...sources], stored, 'apply');
    const ok = v.errors.length === 0;
    const current = new Map(stored.map((r) => [resourceKey(r), r]));
    const results = ok ? planBatch(current, v.resources, []).results : [];
    const body: ApplyResponse = { ok, results, errors: v.errors, warnings: v.warnings, revision: store.revision };
    sendJson(res, 200, body);
  });

  router.add('GET', '/v1/resources', ({ res, url }) => {
    const kind = url.searchParams.get('kind')?.toLowerCase();
    const namespace = url.searchParams.get('namespace');
    const name = url.searchParams.get('name');
    const items = store.list().filter((r) =>
      (kind === undefined || kind === '' || r.kind.toLowerCase() === kind)
      && (namespace === null || namespace === '' || r.metadata.namespace === namespace)
      && (name === null || name === '' || r.metadata.name === name));
    const body: ResourceList = { items };
    sendJson(res, 200, body);
  });

  router.add('GET', '/v1/proxies', ({ res }) => {
    sendJson(res, 200, { proxies: push.statuses() });
  });

  router.add('GET', '/v1/workloads', ({ res }) => {
    const workloads: WorkloadStatus[] = registry.leases().map(({ workload, leaseExpiresAt }) => ({
      ...workload,
      leaseExpiresAt: new Date(leaseExpiresAt).toISOString(),
    }));
    sendJson(res, 200, { workloads });
  });

  // Issue 4: asked of the sidecar itself, so it shows what is in service (after renewals), not
  // what the CA once issued.
  router.add('GET', '/v1/workloads/:namespace/:name/secret', async ({ res, params }) => {
    const { namespace = '', name = '' } = params;
    const lease = registry.leases().find((l) => l.workload.namespace === namespace && l.workload.name === name);
    if (lease === undefined) {
      throw new HttpError(404, 'WEFT_WORKLOAD_UNKNOWN', `no workload ${namespace}/${name} is registered; \`weft get workloads\` lists them`);
    }
    const body: WorkloadSecret = { workload: name, namespace, service: lease.workload.service, secret: await fetchSidecarSecret(lease.workload) };
    sendJson(res, 200, body);
  });

  router.add('GET', '/healthz', ({ res }) => {
    const body: HealthResponse = { ok: true, version: deps.version, revision: store.revision };
    sendJson(res, 200, body);
  });

  router.add('GET', '/v1/graph', ({ res }) => {
    const body: ServiceGraph = buildServiceGraph(deps.graph.snapshot());
    sendJson(res, 200, body);
  });
}

/** Wraps async functions so that calls through any of them run one at a time, in call order. */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
    const run = tail.then(() => fn(...args));
    tail = run.catch(() => undefined);
    return run;
  };
}
