// The benchmark's load generator: closed loop (maximum throughput) and open loop (fixed rate, latency from the scheduled send time) over raw keep-alive sockets.
/*
 * Run as a process of its own (`node bench/lib/loadgen.ts '<LoadSpec JSON>'`, pinned to its own
 * core by the caller), it prints one JSON line, a LoadResult, and exits.
 *
 * Closed loop: N connections, each sends its next request as soon as the previous response is
 * read, until the duration or the request cap is reached. Throughput = responses / elapsed.
 *
 * Open loop (wrk2's idea): request i is *scheduled* at start + i/rate, whatever happened to the
 * ones before it, and its latency is measured from that scheduled time. A stall in the chain
 * therefore shows up in the latency of every request that should have been sent during it
 * (coordinated omission is not hidden). When no connection is free, the request waits in a FIFO
 * and a new connection is opened, up to maxConnections. Node's timers have millisecond
 * granularity, so the scheduler polls with setImmediate when the next send is near: this process
 * owns its core, and `sendLag` records how late each send actually was.
 *
 * Every loop ends by itself: the schedule is finite, the duration bounded, and a hard deadline
 * (duration + grace) abandons whatever is still in flight and counts it as timed out.
 */
import { writeSync } from 'node:fs';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Histogram, type HistogramWire } from './histogram.ts';
import { cpuBusyMs, cpuMsOrNaN } from './proc.ts';
import { ResponseParser } from './response-parser.ts';

export interface Target {
  readonly host: string;
  readonly port: number;
  /** Sent as the Host header (`backend:8080` for the meshes). */
  readonly hostHeader: string;
  readonly path: string;
}

export interface ClosedLoopSpec {
  readonly mode: 'closed';
  readonly target: Target;
  readonly connections: number;
  readonly durationMs: number;
  readonly maxRequests: number;
}

export interface OpenLoopSpec {
  readonly mode: 'open';
  readonly target: Target;
  readonly ratePerSec: number;
  readonly durationMs: number;
  /** Connections opened before the first send. */
  readonly initialConnections: number;
  readonly maxConnections: number;
}

export type LoadSpec = ClosedLoopSpec | OpenLoopSpec;

/**
 * Moments the caller may want to meter around: 'start' just before the first send (connections
 * already open), 'end' after the last response. In the process form they are printed as
 * `{"event":"start"}` / `{"event":"end"}` lines, before the result line.
 */
export type LoadEvent = 'start' | 'end';
export type OnLoadEvent = (e: LoadEvent) => void;

export interface LoadResult {
  readonly mode: 'closed' | 'open';
  /** From the first (scheduled) send to the last response or the hard deadline. */
  readonly elapsedMs: number;
  readonly sent: number;
  /** Responses read, whatever their status. */
  readonly completed: number;
  /** Responses with status 200. */
  readonly ok: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Connect errors, connections lost with a request in flight, unparseable responses. */
  readonly socketErrors: number;
  /** Requests still unanswered at the hard deadline (and open-loop requests never sent). */
  readonly timedOut: number;
  /** completed / elapsed seconds. */
  readonly throughput: number;
  readonly latency: HistogramWire;
  /** Open loop: actual send time − scheduled time. Empty for the closed loop. */
  readonly sendLag: HistogramWire;
  readonly connectionsOpened: number;
  /** CPU time (user + system) this generator used during the run, ms. */
  readonly generatorCpuMs: number;
}

/** After the duration, how long responses in flight may still arrive. */
const GRACE_MS = 5_000;
/** Bound on reconnections within one run (a chain that keeps closing connections is an error, not a loop). */
const MAX_RECONNECTS = 10_000;

export function requestBytes(t: Target): Buffer {
  return Buffer.from(`GET ${t.path} HTTP/1.1\r\nHost: ${t.hostHeader}\r\nUser-Agent: weft-bench\r\nAccept: */*\r\n\r\n`, 'latin1');
}

interface ConnEvents {
  response(conn: Conn, status: number, startMs: number, keepAlive: boolean): void;
  /** The connection is gone; `startMs` ≥ 0 when a request was in flight. */
  lost(conn: Conn, startMs: number): void;
}

/** One keep-alive client connection with at most one request in flight. */
class Conn {
  readonly #socket: net.Socket;
  readonly #parser: ResponseParser;
  readonly #req: Buffer;
  readonly #events: ConnEvents;
  /** Start time (ms, performance.now) of the request in flight; -1 when idle. */
  #startMs = -1;
  #closed = false;
  readonly ready: Promise<void>;

  constructor(target: Target, req: Buffer, events: ConnEvents) {
    this.#req = req;
    this.#events = events;
    this.#parser = new ResponseParser((r) => {
      const t = this.#startMs;
      this.#startMs = -1;
      this.#events.response(this, r.status, t, r.keepAlive);
    });
    this.#socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.#socket.once('connect', () => resolve());
      this.#socket.once('error', reject);
    });
    this.ready.catch(() => {});
    this.#socket.on('data', (d: Buffer) => {
      try {
        this.#parser.feed(d);
      } catch {
        this.#lose();
      }
    });
    this.#socket.on('error', () => this.#lose());
    this.#socket.on('close', () => this.#lose());
  }

  get busy(): boolean { return this.#startMs >= 0; }
  get closed(): boolean { return this.#closed; }

  /** Sends the request; a socket still connecting queues it until connected. */
  send(startMs: number): void {
    this.#startMs = startMs;
    this.#socket.write(this.#req);
  }

  /** Closes without reporting (the caller already knows). */
  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #lose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    const t = this.#startMs;
    this.#startMs = -1;
    this.#events.lost(this, t);
  }
}

class Recorder {
  readonly latency = new Histogram();
  readonly sendLag = new Histogram();
  readonly statusCounts: Record<string, number> = {};
  sent = 0;
  completed = 0;
  ok = 0;
  socketErrors = 0;
  timedOut = 0;
  connectionsOpened = 0;
  reconnects = 0;

  response(status: number, latencyMs: number): void {
    this.completed += 1;
    if (status === 200) this.ok += 1;
    const k = String(status);
    this.statusCounts[k] = (this.statusCounts[k] ?? 0) + 1;
    this.latency.record(latencyMs * 1e6);
  }

  result(mode: 'closed' | 'open', elapsedMs: number, cpu: NodeJS.CpuUsage): LoadResult {
    return {
      mode,
      elapsedMs,
      sent: this.sent,
      completed: this.completed,
      ok: this.ok,
      statusCounts: this.statusCounts,
      socketErrors: this.socketErrors,
      timedOut: this.timedOut,
      throughput: elapsedMs > 0 ? this.completed / (elapsedMs / 1000) : 0,
      latency: this.latency.toWire(),
      sendLag: this.sendLag.toWire(),
      connectionsOpened: this.connectionsOpened,
      generatorCpuMs: (cpu.user + cpu.system) / 1000,
    };
  }
}

export async function runClosedLoop(spec: ClosedLoopSpec, onEvent: OnLoadEvent = () => {}): Promise<LoadResult> {
  const req = requestBytes(spec.target);
  const rec = new Recorder();
  const live = new Set<Conn>();
  let startMs = 0;
  let deadlineMs = Number.POSITIVE_INFINITY;
  let lastResponseMs = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => { finish = r; });

  const fire = (conn: Conn): void => {
    if (performance.now() >= deadlineMs || rec.sent >= spec.maxRequests) {
      conn.close();
      live.delete(conn);
      if (live.size === 0) finish();
      return;
    }
    rec.sent += 1;
    conn.send(performance.now());
  };
  const replace = (conn: Conn): void => {
    live.delete(conn);
    if (performance.now() < deadlineMs && rec.reconnects < MAX_RECONNECTS) {
      rec.reconnects += 1;
      const next = open();
      fire(next);
    } else if (live.size === 0) {
      finish();
    }
  };
  const events: ConnEvents = {
    response(conn, status, t0, keepAlive) {
      const now = performance.now();
      lastResponseMs = now;
      rec.response(status, now - t0);
      if (keepAlive) fire(conn);
      else { conn.close(); replace(conn); }
    },
    lost(conn, t0) {
      if (t0 >= 0 || performance.now() < deadlineMs) rec.socketErrors += 1;
      replace(conn);
    },
  };
  const open = (): Conn => {
    const c = new Conn(spec.target, req, events);
    rec.connectionsOpened += 1;
    live.add(c);
    return c;
  };

  const initial = Array.from({ length: spec.connections }, open);
  await Promise.all(initial.map((c) => c.ready));
  onEvent('start');
  const cpu0 = process.cpuUsage();
  startMs = performance.now();
  deadlineMs = startMs + spec.durationMs;
  for (const c of initial) fire(c);
  const hard = setTimeout(finish, spec.durationMs + GRACE_MS);
  await finished;
  clearTimeout(hard);
  onEvent('end');
  for (const c of live) {
    if (c.busy) rec.timedOut += 1;
    c.close();
  }
  const end = live.size > 0 ? performance.now() : Math.max(lastResponseMs, startMs);
  return rec.result('closed', end - startMs, process.cpuUsage(cpu0));
}

export async function runOpenLoop(spec: OpenLoopSpec, onEvent: OnLoadEvent = () => {}): Promise<LoadResult> {
  const req = requestBytes(spec.target);
  const rec = new Recorder();
  const total = Math.floor((spec.ratePerSec * spec.durationMs) / 1000);
  const intervalMs = 1000 / spec.ratePerSec;
  const idle: Conn[] = [];
  const live = new Set<Conn>();
  /** Scheduled start times of requests waiting for a connection (FIFO; `head` is the next). */
  const pending: number[] = [];
  let head = 0;
  let next = 0;
  let failed = 0;
  let lastResponseMs = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => { finish = r; });
  const checkDone = (): void => {
    if (next === total && rec.completed + failed === total) finish();
  };

  const open = (): Conn => {
    const c = new Conn(spec.target, req, events);
    rec.connectionsOpened += 1;
    live.add(c);
    return c;
  };
  /** Gives a free connection its next job: a waiting request, or back to the idle stack. */
  const release = (conn: Conn): void => {
    if (head < pending.length) {
      const t = pending[head]!;
      head += 1;
      if (head > 1024 && head * 2 > pending.length) { pending.splice(0, head); head = 0; }
      rec.sent += 1;
      conn.send(t);
    } else {
      idle.push(conn);
    }
  };
  const grow = (): void => {
    if (live.size < spec.maxConnections && rec.reconnects < MAX_RECONNECTS) {
      if (rec.connectionsOpened >= spec.initialConnections) rec.reconnects += 1;
      release(open());
    }
  };
  const events: ConnEvents = {
    response(conn, status, t0, keepAlive) {
      const now = performance.now();
      lastResponseMs = now;
      rec.response(status, now - t0);
      if (keepAlive) release(conn);
      else { conn.close(); live.delete(conn); grow(); }
      checkDone();
    },
    lost(conn, t0) {
      live.delete(conn);
      const i = idle.indexOf(conn);
      if (i !== -1) idle.splice(i, 1);
      if (t0 >= 0) { rec.socketErrors += 1; failed += 1; }
      if (head < pending.length) grow();
      checkDone();
    },
  };

  const initial = Array.from({ length: spec.initialConnections }, open);
  await Promise.all(initial.map((c) => c.ready));
  idle.push(...initial);
  onEvent('start');
  const cpu0 = process.cpuUsage();
  const startMs = performance.now() + 1;
  const dispatch = (scheduled: number, now: number): void => {
    rec.sendLag.record((now - scheduled) * 1e6);
    const conn = idle.pop();
    if (conn !== undefined) {
      rec.sent += 1;
      conn.send(scheduled);
      return;
    }
    pending.push(scheduled);
    grow();
  };
  let timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  const tick = (): void => {
    timer = null;
    const now = performance.now();
    while (next < total && startMs + next * intervalMs <= now) {
      dispatch(startMs + next * intervalMs, now);
      next += 1;
    }
    if (next < total) {
      const wait = startMs + next * intervalMs - performance.now();
      timer = wait > 2 ? setTimeout(tick, wait - 1.5) : setImmediate(tick);
    } else {
      checkDone();
    }
  };
  tick();
  const hard = setTimeout(finish, spec.durationMs + GRACE_MS);
  await finished;
  clearTimeout(hard);
  onEvent('end');
  if (timer !== null) { clearTimeout(timer as NodeJS.Timeout); clearImmediate(timer as NodeJS.Immediate); }
  let inFlight = 0;
  for (const c of live) {
    if (c.busy) inFlight += 1;
    c.close();
  }
  // Unanswered: in flight, still queued, or never scheduled before the deadline.
  rec.timedOut = total - rec.completed - failed;
  const end = inFlight + (pending.length - head) + (total - next) > 0 ? performance.now() : Math.max(lastResponseMs, startMs);
  return rec.result('open', end - startMs, process.cpuUsage(cpu0));
}

export function runLoad(spec: LoadSpec, onEvent?: OnLoadEvent): Promise<LoadResult> {
  return spec.mode === 'closed' ? runClosedLoop(spec, onEvent) : runOpenLoop(spec, onEvent);
}

/** One request on a fresh connection; resolves with the status (a smoke test before loading a chain). */
export function requestOnce(target: Target, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => settle(new Error(`no response from ${target.host}:${target.port} within ${timeoutMs} ms`)), timeoutMs);
    const conn: Conn = new Conn(target, requestBytes(target), {
      response: (_c, status) => settle(null, status),
      lost: () => settle(new Error(`connection to ${target.host}:${target.port} lost before a response`)),
    });
    conn.send(performance.now());
    function settle(err: Error | null, status = 0): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.close();
      if (err !== null) reject(err);
      else resolve(status);
    }
  });
}

/** CLOCK_MONOTONIC in µs (libuv's hrtime), comparable across processes on this machine. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** What the process form meters around the load (exactly at 'start' and 'end'): CPU of the given processes, and of one CPU as a whole. */
export interface MeterSpec {
  readonly pids: readonly number[];
  readonly cpu: number;
}

export interface MeterResult {
  /** CPU time (ms) each metered process used between 'start' and 'end', by pid. */
  readonly cpuMsByPid: Readonly<Record<string, number>>;
  /** Time the metered CPU was busy (processes, interrupts, softirqs), ms: see proc.ts cpuBusyMs(). */
  readonly cpuBusyMs: number;
  readonly wallMs: number;
  /** CLOCK_MONOTONIC µs at 'start' and 'end': the clock V8's .cpuprofile timestamps use. */
  readonly startMonoUs: number;
  readonly endMonoUs: number;
}

interface MeterSnapshot {
  readonly t: number;
  readonly monoUs: number;
  readonly byPid: Map<number, number>;
  readonly busyMs: number;
}

function snapshot(m: MeterSpec): MeterSnapshot {
  const byPid = new Map<number, number>();
  for (const pid of m.pids) byPid.set(pid, cpuMsOrNaN(pid));
  return { t: performance.now(), monoUs: monotonicUs(), byPid, busyMs: cpuBusyMs(m.cpu) };
}

if (import.meta.main) {
  const arg = process.argv[2];
  if (arg === undefined) {
    process.stderr.write("usage: node bench/lib/loadgen.ts '<LoadSpec JSON, optionally with meter: {pids, cpu}>'\n");
    process.exit(2);
  }
  const spec = JSON.parse(arg) as LoadSpec & { readonly meter?: MeterSpec };
  let before: MeterSnapshot | null = null;
  let after: MeterSnapshot | null = null;
  // Synchronous writes: whoever reads them learns of the phase at once.
  const result = await runLoad(spec, (e) => {
    if (spec.meter !== undefined) {
      if (e === 'start') before = snapshot(spec.meter);
      else after = snapshot(spec.meter);
    }
    writeSync(1, `${JSON.stringify({ event: e })}\n`);
  });
  let meter: MeterResult | undefined;
  const b = before as MeterSnapshot | null;
  const a = after as MeterSnapshot | null;
  if (b !== null && a !== null) {
    const cpuMsByPid: Record<string, number> = {};
    for (const [pid, ms] of a.byPid) cpuMsByPid[String(pid)] = ms - (b.byPid.get(pid) ?? ms);
    meter = { cpuMsByPid, cpuBusyMs: a.busyMs - b.busyMs, wallMs: a.t - b.t, startMonoUs: b.monoUs, endMonoUs: a.monoUs };
  }
  writeSync(1, `${JSON.stringify({ ...result, meter })}\n`);
}
