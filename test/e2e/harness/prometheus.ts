// A real Prometheus server for the end-to-end tests (Debian's `prometheus` binary, installed by .ci/run): started on a free loopback port with its own config and a temporary TSDB, queried over its HTTP API, stopped and removed on close.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/runner/free-port.ts';
import { waitUntil } from './mesh.ts';

/** One series of an instant query's vector result. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromTarget {
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

const START_TIMEOUT_MS = 60_000;

export class Prometheus {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #log = '';
  #exited: Promise<void>;

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.#child = child;
    this.#dir = dir;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (b: Buffer): void => { this.#log = (this.#log + b.toString('utf8')).slice(-20_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts `prometheus` with `configYaml` and waits until it answers /-/ready. */
  static async start(configYaml: string): Promise<Prometheus> {
    const dir = await mkdtemp(join(tmpdir(), 'weft-prom-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(config, configYaml);
    const port = await freePort();
    const child = spawn('prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const p = new Prometheus(`http://127.0.0.1:${port}`, child, dir);
    try {
      await waitUntil('prometheus never answered /-/ready', async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${p.#log}`);
        const r = await fetch(`${p.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        return r.status === 200 ? { done: true, value: undefined } : { done: false, last: `status ${r.status}` };
      }, START_TIMEOUT_MS, 250);
    } catch (err) {
      await p.close();
      throw new Error(`${(err as Error).message}\nprometheus output:\n${p.#log}`);
    }
    return p;
  }

  get log(): string {
    return this.#log;
  }

  async #api<T>(path: string): Promise<T> {
    const r = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? r.status}`);
    return body.data;
  }

  /** An instant query (GET /api/v1/query): the vector's series with their values. */
  async query(promql: string): Promise<PromSeries[]> {
    const data = await this.#api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    if (data.resultType !== 'vector') throw new Error(`expected a vector from ${promql}, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  async activeTargets(): Promise<PromTarget[]> {
    const data = await this.#api<{ activeTargets: PromTarget[] }>('/api/v1/targets?state=active');
    return data.activeTargets;
  }

  /** SIGTERM to its process group, SIGKILL after a grace, then its directory removed. */
  async close(): Promise<void> {
    const pid = this.#child.pid;
    if (pid !== undefined && this.#child.exitCode === null && this.#child.signalCode === null) {
      try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#exited, new Promise<void>((resolve) => { timer = setTimeout(resolve, 10_000); })]);
      clearTimeout(timer);
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      await this.#exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
