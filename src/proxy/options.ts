/** ProxyOptions: the sidecar's bootstrap (what it knows before the control plane tells it anything), and the handle of a running sidecar. */
import type { Logger } from '../lib/log.ts';

/** Where access-log lines go, as UTF-8 bytes in batches of whole lines: a stream, or a synchronous file writer. */
export interface LineSink {
  write(chunk: Uint8Array): unknown;
  /**
   * True when write() is done with the bytes once it returns (a synchronous file writer): the
   * access log then reuses its buffer instead of handing it over and allocating another.
   */
  readonly writesSynchronously?: boolean;
}

export interface ProxyOptions {
  /** Control plane base URL, e.g. "https://127.0.0.1:15010" (https only). */
  readonly controlPlane: string;
  /** Issue 4: the mesh root(s), PEM, that the control plane's HTTPS certificate must chain to (`--ca-file`, or the state directory's root-cert.pem). */
  readonly controlPlaneCa: string;
  /** Issue 4: the join token the first CSR is authenticated with (`--token`, WEFT_JOIN_TOKEN); bound to this workload's namespace and service account. */
  readonly joinToken?: string;
  /** Workload (instance) name, unique per namespace, e.g. "user-service-v2-4k7q". */
  readonly workload: string;
  readonly namespace: string;
  /** The service this workload backs. */
  readonly service: string;
  readonly serviceAccount: string;
  /** Includes app=<service> and version=<v> when given (Istio's pod labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** The service port callers use in URLs (`http://order-service:8080/`). */
  readonly servicePort: number;
  /** Where the local application listens (plain HTTP on 127.0.0.1). */
  readonly appPort: number;
  /** Listener ports; 0 (the default) picks a free one. */
  readonly outboundPort?: number;
  readonly inboundPort?: number;
  readonly adminPort?: number;
  /** SPIFFE trust domain of the mesh; default "cluster.local" (must match the control plane's). */
  readonly trustDomain?: string;
  /** Longest route regex this proxy accepts (a longer one is NACKed, like Envoy's RE2 program-size limit). */
  readonly maxRegexLength?: number;
  /** How long a start may wait for the control plane before giving up (ms); default 15 s. */
  readonly startTimeoutMs?: number;
  /** Address to bind and to register for peers; default 127.0.0.1. */
  readonly address?: string;
  readonly logger?: Logger;
  /** Issue 4 (hardened proxy): a request head must complete within this long of its first byte, else 408 and close; default 10 s, 0 disables. */
  readonly headersTimeoutMs?: number;
  /** Issue 4: a downstream connection with no request for this long is closed; default 300 s. */
  readonly downstreamIdleTimeoutMs?: number;
  /** Issue 4: most connections each listener (outbound, inbound) holds; more are accepted and closed at once; default 4096. */
  readonly maxDownstreamConnections?: number;
  /** Where one JSON line per request goes; default process.stdout. */
  readonly accessLog?: LineSink | null;
}

export interface RunningProxy {
  /** "<workload>.<namespace>". */
  readonly id: string;
  readonly outboundPort: number;
  readonly inboundPort: number;
  readonly adminPort: number;
  /** Resolves once the sidecar holds a certificate and a config (its /ready answers 200). */
  readonly ready: Promise<void>;
  /**
   * Graceful stop: deregister at once, stop accepting, let requests in flight finish (up to
   * `graceMs`), then close everything.
   */
  drain(graceMs?: number): Promise<void>;
}
