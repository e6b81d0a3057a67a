// ControlPlaneClient: the CLI's side of controlplane/http-api (JSON over HTTPS, the admin token as a bearer token), turning network failures into ControlPlaneUnreachableError and refusals into ControlPlaneAuthError.
import * as https from 'node:https';
import type { ApplyResponse, ProxyStatus, ResourceList, SourceText, WorkloadSecret, WorkloadStatus } from '../controlplane/http-api/types.ts';
import type { JoinTokenRequest, JoinTokenResponse } from '../controlplane/http-api/token-routes.ts';
import type { ServiceGraph } from '../controlplane/telemetry/graph-types.ts';
import type { Resource } from '../api/resource.ts';
import { CliError, ControlPlaneResponseError, ControlPlaneUnreachableError, UsageError } from './errors.ts';
import type { TraceDetail, TraceList, TraceSummary } from '../controlplane/http-api/trace-routes.ts';
import { ExitCode } from './exit-codes.ts';

export const DEFAULT_CONTROL_PLANE_URL = 'https://127.0.0.1:15010';
export const CONTROL_PLANE_ENV = 'WEFT_CONTROL_PLANE';

/** The control plane URL in force: `--control-plane`, else $WEFT_CONTROL_PLANE, else the default. */
export function controlPlaneUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const raw = flag ?? (env[CONTROL_PLANE_ENV] || undefined) ?? DEFAULT_CONTROL_PLANE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`control plane URL "${raw}" is not a URL`, 'give one like https://127.0.0.1:15010 with --control-plane or WEFT_CONTROL_PLANE');
  }
  if (url.protocol === 'http:') {
    // Never silently downgrade: the admin token would cross the wire in clear.
    throw new UsageError(`control plane URL "${raw}" is http://, but the control plane serves its API over HTTPS only`, `use https://${url.host}${url.pathname === '/' ? '' : url.pathname} (--control-plane or WEFT_CONTROL_PLANE)`);
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(`control plane URL "${raw}" must start with https://`);
  }
  return url.href.replace(/\/+$/, '');
}

export interface HealthResponse { readonly ok: boolean; readonly version: string }

/** What a request carries: the admin token and the roots to verify the server with. Loaded on first use (credentials.ts). */
export interface ClientCredentials {
  readonly token: string;
  readonly caPem: string;
}

export interface ClientOptions {
  /** Per request; a control plane that does not answer in time counts as unreachable. */
  readonly timeoutMs?: number;
}

/** The control plane refused the credential (401) or the caller (403); exit code 7. */
export class ControlPlaneAuthError extends CliError {
  readonly status: number;
  constructor(url: string, status: number, detail: string) {
    super('WEFT_CLI_UNAUTHORIZED', `the control plane at ${url} refused the request (${status}): ${detail}`, ExitCode.UNAUTHORIZED, {
      hint: 'use the admin token of this control plane: run as its user, or pass --token / WEFT_TOKEN (and --state-dir / WEFT_STATE_DIR if it is not in the default place)',
    });
    this.status = status;
  }
}

export class ControlPlaneClient {
  readonly url: string;
  #timeoutMs: number;
  readonly #credentials: () => Promise<ClientCredentials>;
  #loaded: Promise<ClientCredentials> | null = null;

  constructor(url: string, credentials: ClientCredentials | (() => Promise<ClientCredentials>), options: ClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#credentials = typeof credentials === 'function' ? credentials : () => Promise.resolve(credentials);
  }

  /** Issue 4: mints a join token bound to one identity (admin only). */
  joinToken(req: JoinTokenRequest): Promise<JoinTokenResponse> {
    return this.#json<JoinTokenResponse>('POST', '/v1/tokens', req);
  }

  health(): Promise<HealthResponse> {
    return this.#json<HealthResponse>('GET', '/healthz');
  }

  /** Validates and stores all sources atomically; a 400 (nothing applied) is returned as a response with `ok: false`. */
  apply(sources: readonly SourceText[]): Promise<ApplyResponse> {
    return this.#batch('/v1/apply', sources);
  }

  delete(sources: readonly SourceText[]): Promise<ApplyResponse> {
    return this.#batch('/v1/delete', sources);
  }

  /** Validates against the stored config; changes nothing. */
  analyze(sources: readonly SourceText[]): Promise<ApplyResponse> {
    return this.#batch('/v1/analyze', sources);
  }

  async resources(kind: string, filter: { namespace?: string | undefined; name?: string | undefined } = {}): Promise<readonly Resource[]> {
    const q = new URLSearchParams({ kind });
    if (filter.namespace !== undefined) q.set('namespace', filter.namespace);
    if (filter.name !== undefined) q.set('name', filter.name);
    const body = await this.#json<ResourceList>('GET', `/v1/resources?${q.toString()}`);
    return body.items;
  }

  async proxies(): Promise<readonly ProxyStatus[]> {
    return (await this.#json<{ proxies: readonly ProxyStatus[] }>('GET', '/v1/proxies')).proxies;
  }

  /** Issue 5: the service graph over the control plane's telemetry window. */
  graph(): Promise<ServiceGraph> {
    return this.#json<ServiceGraph>('GET', '/v1/graph');
  }

  /** Issue 5: the most recent traces of the control plane's store (`weft traces`). */
  async traces(query: { readonly limit?: number; readonly service?: string } = {}): Promise<readonly TraceSummary[]> {
    const q = new URLSearchParams();
    if (query.limit !== undefined) q.set('limit', String(query.limit));
    if (query.service !== undefined) q.set('service', query.service);
    return (await this.#json<TraceList>('GET', `/v1/traces${q.size === 0 ? '' : `?${q.toString()}`}`)).traces;
  }

  /** Issue 5: one trace with all its spans, or null when the store has none with that id. */
  async trace(id: string): Promise<TraceDetail | null> {
    const body = await this.#json<TraceDetail | { error: unknown }>('GET', `/v1/traces/${encodeURIComponent(id)}`, undefined, (status) => status === 404);
    return 'spans' in body ? body : null;
  }

  async workloads(): Promise<readonly WorkloadStatus[]> {
    return (await this.#json<{ workloads: readonly WorkloadStatus[] }>('GET', '/v1/workloads')).workloads;
  }

  /** Issue 4: a workload's certificate as its sidecar serves it (`weft proxy-config secret`). */
  secret(namespace: string, name: string): Promise<WorkloadSecret> {
    return this.#json<WorkloadSecret>('GET', `/v1/workloads/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/secret`);
  }

  async #batch(path: string, sources: readonly SourceText[]): Promise<ApplyResponse> {
    // 400 carries an ApplyResponse with the errors: that is an answer, not a failure.
    return this.#json<ApplyResponse>('POST', path, { sources }, (status, body) => status === 400 && isApplyResponse(body));
  }

  async #json<T>(method: string, path: string, body?: unknown, acceptError?: (status: number, body: unknown) => boolean): Promise<T> {
    const creds = await (this.#loaded ??= this.#credentials());
    const res = await this.#send(method, path, creds, body === undefined ? undefined : JSON.stringify(body));
    const text = res.text;
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: reported below with the raw text.
    }
    if (res.status >= 200 && res.status < 300 && parsed !== undefined) return parsed as T;
    if (acceptError?.(res.status, parsed) === true) return parsed as T;
    if (res.status === 401 || res.status === 403) throw new ControlPlaneAuthError(this.url, res.status, errorDetail(parsed, text));
    throw new ControlPlaneResponseError(this.url, res.status, errorDetail(parsed, text));
  }

  #send(method: string, path: string, creds: ClientCredentials, payload: string | undefined): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json', authorization: `Bearer ${creds.token}` };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = https.request(this.url + path, { method, headers, ca: creds.caPem, agent: false, timeout: this.#timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(new ControlPlaneUnreachableError(this.url, err)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(tlsOrUnreachable(this.url, err)));
      req.end(payload);
    });
  }
}

/** A certificate the CLI cannot verify is not "unreachable": it is the wrong root or something else listening. */
function tlsOrUnreachable(url: string, err: NodeJS.ErrnoException): CliError {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS_CERT_ALTNAME/.test(code)) {
    return new CliError('WEFT_CLI_TLS', `the control plane at ${url} presented a certificate this CLI does not trust (${err.message})`, ExitCode.UNREACHABLE, {
      hint: 'give the root-cert.pem of that control plane\'s state directory with --ca-file or WEFT_CA_FILE (a control plane signs its HTTPS certificate with its mesh root)',
      cause: err,
    });
  }
  if (code === 'EPROTO' || /wrong version number|packet length too long/i.test(err.message)) {
    return new CliError('WEFT_CLI_TLS', `the server at ${url} does not speak TLS (${err.message})`, ExitCode.UNREACHABLE, { hint: 'is it a Weft control plane of this version? It serves HTTPS only', cause: err });
  }
  return new ControlPlaneUnreachableError(url, err);
}

function isApplyResponse(body: unknown): body is ApplyResponse {
  return typeof body === 'object' && body !== null && Array.isArray((body as { errors?: unknown }).errors);
}

/** The most useful one-line description of an error body: its `error`/`message` field, else the text. */
function errorDetail(parsed: unknown, text: string): string {
  if (typeof parsed === 'object' && parsed !== null) {
    const o = parsed as { error?: unknown; message?: unknown };
    const e = o.error ?? o.message;
    if (typeof e === 'string') return e;
    if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  }
  const t = text.trim();
  if (t === '') return 'an empty body';
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}
