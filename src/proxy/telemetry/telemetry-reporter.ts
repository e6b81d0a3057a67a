/**
 * TelemetryReporter: every few seconds, takes what the EdgeAggregator folded and POSTs it to the
 * control plane (POST /v1/proxies/:id/telemetry), off the request path. The control plane's
 * answer sets the next interval, so the graph's window decides how fresh reports are. A report
 * that cannot be delivered is dropped (the graph shows a gap rather than the sidecar buffering
 * without bound), and at most one report is in flight.
 */
import { systemClock, type Clock, type Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { TelemetryReport, TelemetryReportAck } from '../../model/telemetry-report.ts';
import type { EdgeAggregator } from './edge-aggregator.ts';

/** Sends one report; resolves with the control plane's answer, or null when it had none to give. */
export type SendReport = (report: TelemetryReport) => Promise<TelemetryReportAck | null>;

export interface TelemetryReporterOptions {
  readonly aggregator: EdgeAggregator;
  readonly send: SendReport;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Before the control plane has said otherwise (ms). */
  readonly intervalMs?: number;
  /** The first report goes out this soon after start, so a fresh sidecar shows up quickly (ms). */
  readonly firstDelayMs?: number;
}

export const DEFAULT_REPORT_INTERVAL_MS = 5_000;
/** Bounds on an interval the control plane asks for. */
const MIN_INTERVAL_MS = 200;
const MAX_INTERVAL_MS = 60_000;
const FINAL_REPORT_MS = 1_000;

export class TelemetryReporter {
  readonly #o: TelemetryReporterOptions;
  readonly #clock: Clock;
  #intervalMs: number;
  #timer: Timer | null = null;
  #last: number;
  #inFlight: Promise<void> | null = null;
  #stopped = false;
  /** Reports that could not be delivered (for /config_dump and tests). */
  failed = 0;
  sent = 0;

  constructor(o: TelemetryReporterOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#intervalMs = o.intervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
    this.#last = this.#clock.monotonic();
  }

  get intervalMs(): number { return this.#intervalMs; }

  start(): void {
    this.#schedule(this.#o.firstDelayMs ?? Math.min(1_000, this.#intervalMs));
  }

  /**
   * Stops the timer and sends what is left (best effort, once), waiting at most FINAL_REPORT_MS
   * for it: a sidecar draining next to an unresponsive control plane must not wait on it.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    let timer: Timer | undefined;
    const bound = new Promise<void>((resolve) => { timer = this.#clock.setTimeout(resolve, FINAL_REPORT_MS); });
    await Promise.race([(async () => {
      await this.#inFlight;
      await this.#report();
    })(), bound]);
    timer?.cancel();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#inFlight = this.#report().finally(() => {
        this.#inFlight = null;
        this.#schedule(this.#intervalMs);
      });
    }, ms);
  }

  async #report(): Promise<void> {
    const now = this.#clock.monotonic();
    const { edges, droppedEdges } = this.#o.aggregator.take();
    const report: TelemetryReport = { intervalMs: Math.max(1, Math.round(now - this.#last)), edges, droppedEdges };
    this.#last = now;
    try {
      const ack = await this.#o.send(report);
      this.sent++;
      if (ack !== null && Number.isFinite(ack.intervalMs)) this.#intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, ack.intervalMs));
    } catch (err) {
      this.failed++;
      this.#o.logger.debug({ err: (err as Error).message, edges: edges.length }, 'telemetry report not delivered; dropped');
    }
  }
}
