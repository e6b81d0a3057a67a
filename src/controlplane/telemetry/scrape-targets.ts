// Where Prometheus finds every sidecar: the registry's live workloads that told their admin port, as Prometheus http_sd / file_sd target groups, and a file kept current for file_sd.
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { Workload } from '../compile/input.ts';
import type { ServiceRegistry } from '../registry/registry.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';

/** One Prometheus target group (the JSON both http_sd_configs and file_sd_configs read). */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** The path Prometheus scrapes on each target. */
export const SIDECAR_METRICS_PATH = '/stats/prometheus';

/**
 * One group per sidecar, sorted by namespace then workload. Labels: namespace, workload (the
 * instance), app and version (from its labels, "unknown" when absent), and __metrics_path__ so a
 * scrape config needs no relabelling.
 */
export function targetGroups(workloads: readonly Workload[]): TargetGroup[] {
  return workloads
    .filter((w) => w.adminPort !== undefined)
    .map((w) => ({
      targets: [`${w.address.includes(':') ? `[${w.address}]` : w.address}:${w.adminPort!}`],
      labels: {
        __metrics_path__: SIDECAR_METRICS_PATH,
        namespace: w.namespace,
        workload: w.name,
        app: w.labels.app ?? 'unknown',
        version: w.labels.version ?? 'unknown',
      },
    }))
    .sort((a, b) => (a.labels.namespace + a.labels.workload < b.labels.namespace + b.labels.workload ? -1 : 1));
}

/**
 * Keeps a file_sd file equal to the registry's live sidecars: rewritten atomically (Prometheus
 * never reads half a file) after every membership change, writes serialised and coalesced.
 */
export class FileSdWriter {
  readonly #path: string;
  readonly #registry: ServiceRegistry;
  readonly #logger: Logger;
  readonly #unwatch: () => void;
  #running: Promise<void> = Promise.resolve();
  #dirty = false;
  #last = '';

  constructor(path: string, registry: ServiceRegistry, logger: Logger = silentLogger) {
    this.#path = path;
    this.#registry = registry;
    this.#logger = logger;
    this.#unwatch = registry.watch(() => this.update());
  }

  /** Schedules a rewrite; the promise resolves once the file holds the registry as of now. */
  update(): Promise<void> {
    if (this.#dirty) return this.#running;
    this.#dirty = true;
    this.#running = this.#running.then(async () => {
      this.#dirty = false;
      const text = `${JSON.stringify(targetGroups(this.#registry.snapshot().workloads), null, 2)}\n`;
      if (text === this.#last) return;
      try {
        await writeFileAtomic(this.#path, text);
        this.#last = text;
      } catch (err) {
        this.#logger.error({ err, path: this.#path }, 'could not write the Prometheus file_sd targets');
      }
    });
    return this.#running;
  }

  async close(): Promise<void> {
    this.#unwatch();
    await this.#running;
  }
}
