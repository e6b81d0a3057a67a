// node bench/e2e/weft-launcher.ts control-plane|proxy '<options JSON>' — starts a Weft control plane or sidecar in this process through startControlPlane()/startProxy(), for the benchmark when the `weft` CLI cannot be used.
/*
 * The same code the CLI runs, minus argument parsing. Prints one JSON line once started (the
 * control plane's URL; the sidecar's ports after it is ready). SIGTERM/SIGINT stop it cleanly and
 * end the process with exit(0), which is also what makes `--cpu-prof` write its profile.
 *
 * Proxy options are ProxyOptions' JSON fields, with `accessLog` one of:
 *   "devnull" (default) — one JSON line per request, written to /dev/null (the formatting is paid);
 *   "off"             — no access log at all;
 *   "stdout"          — the sidecar's default.
 */
import { createWriteStream } from 'node:fs';
import type { ControlPlaneOptions } from '../../src/controlplane/main.ts';
import type { ProxyOptions } from '../../src/proxy/options.ts';

export type AccessLogMode = 'devnull' | 'off' | 'stdout';
/** `accessLogFile` (issue 5's off chain) wins over `accessLog`: the log goes to that file. */
export type LauncherProxyOptions = Omit<ProxyOptions, 'accessLog' | 'logger'> & { readonly accessLog?: AccessLogMode; readonly accessLogFile?: string };

function accessLogStream(mode: AccessLogMode | undefined): NodeJS.WritableStream | null | undefined {
  if (mode === 'off') return null;
  if (mode === 'stdout') return undefined;
  return createWriteStream('/dev/null');
}

async function main(kind: string | undefined, json: string | undefined): Promise<void> {
  if (json === undefined || (kind !== 'control-plane' && kind !== 'proxy')) {
    process.stderr.write("usage: node bench/e2e/weft-launcher.ts control-plane|proxy '<options JSON>'\n");
    process.exit(2);
  }
  let stop: () => Promise<void>;
  // Imported on demand, as the CLI does: a sidecar's memory must not include the control plane's modules.
  if (kind === 'control-plane') {
    const { startControlPlane } = await import('../../src/controlplane/main.ts');
    const cp = await startControlPlane(JSON.parse(json) as ControlPlaneOptions);
    stop = () => cp.close();
    process.stdout.write(`${JSON.stringify({ url: cp.url, port: cp.port })}\n`);
  } else {
    const { accessLog, accessLogFile, ...rest } = JSON.parse(json) as LauncherProxyOptions;
    const log = accessLogFile === undefined ? accessLogStream(accessLog) : createWriteStream(accessLogFile);
    const { startProxy } = await import('../../src/proxy/main.ts');
    const proxy = await startProxy(log === undefined ? rest : { ...rest, accessLog: log });
    stop = () => proxy.drain(1_000);
    await proxy.ready;
    process.stdout.write(`${JSON.stringify({ id: proxy.id, outboundPort: proxy.outboundPort, inboundPort: proxy.inboundPort, adminPort: proxy.adminPort })}\n`);
  }
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 5_000);
    void stop().finally(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (import.meta.main) await main(process.argv[2], process.argv[3]);
