// A chain under test: where the client connects, which Host it sends, and which proxy processes to meter; plus the backend and the direct chain.
import { join } from 'node:path';
import { spawnPinned, AsyncLineSource, firstJsonLine, type PinnedChild } from '../lib/child.ts';
import { requestOnce, type Target } from '../lib/loadgen.ts';

/** Issue 3 adds weft-resilience; issue 5 the telemetry chains (off, tracing at 1 % and at 100 %). */
export type ChainName = 'direct' | 'weft' | 'weft-resilience' | 'weft-telemetry-off' | 'weft-trace-1' | 'weft-trace-100' | 'weft-trace-1-log' | 'haproxy';

export interface MeteredProcess {
  /** "sidecar A (outbound)", "haproxy B (inbound, mTLS)", … */
  readonly role: string;
  readonly pid: number;
}

export interface Chain {
  readonly name: ChainName;
  /** One line for the results: what the chain is made of. */
  readonly description: string;
  readonly target: Target;
  /** The proxies whose CPU and memory are reported (none for the direct chain). */
  readonly proxies: readonly MeteredProcess[];
  /** null while every process of the chain runs; else which one ended, how, and the end of its stderr. */
  failure(): string | null;
  stop(): Promise<void>;
  /** Issue 5: what the chain's sidecars say of their telemetry (metric series, access-log bytes, spans exported), one line for the notes. */
  telemetry?(): Promise<string>;
  /**
   * Weft chains: applies Istio YAML through the control plane and resolves once every sidecar runs
   * it (its config's telemetry section is the one the YAML compiles to), so that one chain can be
   * measured under several configs in turn.
   */
  reconfigure?(yaml: string): Promise<void>;
  /** Weft chains: the sum of istio_requests_total over its sidecars (to show which phases counted requests). */
  requestsCounted?(): Promise<number>;
}

/** The pinning the benchmark relies on: everything measured on CPU 0, the load generator (and the bench itself) on CPU 1. */
export const SERVER_CPU = 0;
export const CLIENT_CPU = 1;

export interface Backend {
  readonly port: number;
  readonly child: PinnedChild;
}

export async function startBackend(root: string, boost: boolean): Promise<Backend> {
  const lines = new AsyncLineSource();
  const child = spawnPinned({
    name: 'backend',
    cpu: SERVER_CPU,
    command: process.execPath,
    args: [join(root, 'bench/e2e/backend.ts')],
    cwd: root,
    onLine: lines.push,
    boost,
  });
  const { port } = await firstJsonLine<{ port: number }>(child, lines, (v) => typeof (v as { port?: unknown }).port === 'number', 10_000);
  return { port, child };
}

/** The failure() of a chain made of these processes. */
export function firstFailure(children: readonly PinnedChild[]): string | null {
  for (const c of children) {
    const how = c.exitInfo();
    if (how !== null) return `${c.name} ended (${how}); its stderr ended with: ${c.stderrTail().trim().slice(-600) || '(nothing)'}`;
  }
  return null;
}

export function directChain(backendPort: number): Chain {
  return {
    name: 'direct',
    description: 'client → backend (node:http)',
    target: { host: '127.0.0.1', port: backendPort, hostHeader: `127.0.0.1:${backendPort}`, path: '/' },
    proxies: [],
    failure: () => null,
    stop: async () => {},
  };
}

/** One request through the chain must answer 200 before any load is sent. */
export async function smokeTest(chain: Chain): Promise<void> {
  const status = await requestOnce(chain.target, 5_000);
  if (status !== 200) throw new Error(`${chain.name} chain answered ${status} to a smoke request (expected 200)`);
}
