// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and ranks functions and files by self time.
/*
 * The format: `nodes` (a call tree; each node a callFrame), `samples` (the node id on top of the
 * stack at each tick) and `timeDeltas` (µs since the previous tick). Sample i lasted until tick
 * i + 1, so its duration is timeDeltas[i + 1]; the last one gets the mean interval. Self time of
 * a function is the sum over the samples where it was on top, merged across the tree nodes that
 * share its name, file and position. Sample i was taken at startTime + timeDeltas[0] + … + timeDeltas[i].
 */

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: CallFrame }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTimeRow {
  /** "functionName file:line", or V8's pseudo-frames: "(garbage collector)", "(program)", "(idle)". */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the busy (non-idle) time, 0–100. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  readonly functions: readonly SelfTimeRow[];
  readonly files: readonly SelfTimeRow[];
}

/** A short, stable location: repository-relative for our files, `node:…` for Node's own, else the URL. */
export function shortUrl(url: string, root: string): string {
  if (url === '') return '';
  let u = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const r = root.endsWith('/') ? root : `${root}/`;
  if (u.startsWith(r)) u = u.slice(r.length);
  const nm = u.lastIndexOf('node_modules/');
  if (nm !== -1) u = u.slice(nm);
  return u;
}

function frameName(f: CallFrame, root: string): string {
  const fn = f.functionName === '' ? '(anonymous)' : f.functionName;
  const url = shortUrl(f.url, root);
  return url === '' ? fn : `${fn} ${url}:${f.lineNumber + 1}`;
}

/**
 * Ranks self time. With `windows` ([start, end] in the profile's clock: CLOCK_MONOTONIC µs, as
 * `process.hrtime` in any process on the machine), only samples inside one of them count.
 */
export function summarizeProfile(profile: CpuProfile, root: string, top = 20, windows: readonly (readonly [number, number])[] = []): ProfileSummary {
  const byId = new Map<number, CallFrame>();
  for (const n of profile.nodes) byId.set(n.id, n.callFrame);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const meanUs = samples.length > 0 ? (profile.endTime - profile.startTime) / samples.length : 0;
  const fnUs = new Map<string, number>();
  const fileUs = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (windows.length > 0 && !windows.some(([a, b]) => t >= a && t <= b)) continue;
    const next = deltas[i + 1];
    const us = next !== undefined && next >= 0 ? next : meanUs;
    const frame = byId.get(samples[i]!);
    if (frame === undefined) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') { idleUs += us; continue; }
    const name = frameName(frame, root);
    fnUs.set(name, (fnUs.get(name) ?? 0) + us);
    const file = frame.url === '' ? frame.functionName : shortUrl(frame.url, root);
    fileUs.set(file, (fileUs.get(file) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (m: Map<string, number>, n: number): SelfTimeRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, busyMs: busyUs / 1000, functions: rank(fnUs, top), files: rank(fileUs, 10) };
}
