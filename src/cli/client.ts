// ControlPlaneClient: the CLI's side of controlplane/http-api (JSON over fetch), turning network failures into ControlPlaneUnreachableError.
import type { ApplyResponse, ProxyStatus, ResourceList, SourceText, WorkloadStatus } from '../controlplane/http-api/types.ts';
import type { Resource } from '../api/resource.ts';
import { ControlPlaneResponseError, ControlPlaneUnreachableError, UsageError } from './errors.ts';

export const DEFAULT_CONTROL_PLANE_URL = 'http://127.0.0.1:15010';
export const CONTROL_PLANE_ENV = 'WEFT_CONTROL_PLANE';

/** The control plane URL in force: `--control-plane`, else $WEFT_CONTROL_PLANE, else the default. */
export function controlPlaneUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const raw = flag ?? (env[CONTROL_PLANE_ENV] || undefined) ?? DEFAULT_CONTROL_PLANE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`control plane URL "${raw}" is not a URL`, 'give one like http://127.0.0.1:15010 with --control-plane or WEFT_CONTROL_PLANE');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`control plane URL "${raw}" must start with http:// or https://`);
  }
  return url.href.replace(/\/+$/, '');
}

export interface HealthResponse { readonly ok: boolean; readonly version: string }

export interface ClientOptions {
  /** Per request; a control plane that does not answer in time counts as unreachable. */
  readonly timeoutMs?: number;
}

export class ControlPlaneClient {
  readonly url: string;
  #timeoutMs: number;

  constructor(url: string, options: ClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
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

  async workloads(): Promise<readonly WorkloadStatus[]> {
    return (await this.#json<{ workloads: readonly WorkloadStatus[] }>('GET', '/v1/workloads')).workloads;
  }

  async #batch(path: string, sources: readonly SourceText[]): Promise<ApplyResponse> {
    // 400 carries an ApplyResponse with the errors: that is an answer, not a failure.
    return this.#json<ApplyResponse>('POST', path, { sources }, (status, body) => status === 400 && isApplyResponse(body));
  }

  async #json<T>(method: string, path: string, body?: unknown, acceptError?: (status: number, body: unknown) => boolean): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new ControlPlaneUnreachableError(this.url, err);
    }
    const text = await res.text().catch((err: unknown) => { throw new ControlPlaneUnreachableError(this.url, err); });
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: reported below with the raw text.
    }
    if (res.ok && parsed !== undefined) return parsed as T;
    if (acceptError?.(res.status, parsed) === true) return parsed as T;
    throw new ControlPlaneResponseError(this.url, res.status, errorDetail(parsed, text));
  }
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
