// The reference chain: two HAProxy processes (Debian's package) in the sidecars' places, mutual TLS between them, keep-alive on both sides, one thread each.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import { assertAlive, freePort, spawnPinned, waitUntil, type PinnedChild } from '../lib/child.ts';
import { SERVER_CPU, firstFailure, smokeTest, type Chain } from './chain.ts';
import { makeHaproxyCerts, type HaproxyCerts } from './certs.ts';

/** `haproxy -v`'s first line, installing Debian's package first when it is missing (we are root). */
export function ensureHaproxy(): string {
  // "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://…": the part before the link.
  const version = (): string => execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0]!.split(' - ')[0]!.trim();
  try {
    return version();
  } catch {
    aptInstall('haproxy');
    return version();
  }
}

/** `apt-get install -y PKG`, with one `apt-get update` first if the package lists are stale. */
export function aptInstall(pkg: string): void {
  process.stderr.write(`installing ${pkg} with apt-get …\n`);
  const install = (): void => { execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }); };
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
    install();
  }
}

/** The settings both processes share: what the issue asks of the reference (keep-alive, reuse, one thread, TLS 1.3 like Weft). */
const COMMON = `global
    nbthread 1
    # HAProxy raises its fd limit to about 2 × maxconn; this stays under the container's hard limit.
    maxconn 4000
    ssl-default-bind-options ssl-min-ver TLSv1.3
    ssl-default-server-options ssl-min-ver TLSv1.3
    # No "log" line: HAProxy writes no access log here.

defaults
    mode http
    option http-keep-alive
    http-reuse always
    option forwardfor
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
`;

/** Hop A: plain HTTP from the client, mTLS (client certificate, server verified against the CA) to hop B. */
export function outboundConfig(listenPort: number, peerPort: number, certs: HaproxyCerts): string {
  return `${COMMON}
frontend outbound
    bind 127.0.0.1:${listenPort}
    http-request set-header x-request-id %[uuid()] unless { req.hdr(x-request-id) -m found }
    default_backend peer

backend peer
    server peer 127.0.0.1:${peerPort} ssl verify required ca-file ${certs.caFile} crt ${certs.clientPem}
`;
}

/** Hop B: terminates mTLS (a client certificate from the CA is required) and forwards to the backend. */
export function inboundConfig(listenPort: number, backendPort: number, certs: HaproxyCerts): string {
  return `${COMMON}
frontend inbound
    bind 127.0.0.1:${listenPort} ssl crt ${certs.serverPem} ca-file ${certs.caFile} verify required
    default_backend app

backend app
    server app 127.0.0.1:${backendPort}
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startHaproxyChain(workDir: string, backendPort: number, boost: boolean): Promise<Chain> {
  const certs = makeHaproxyCerts(join(workDir, 'haproxy-certs'));
  const [aPort, bPort] = [await freePort(), await freePort()];
  const aCfg = join(workDir, 'haproxy-a.cfg');
  const bCfg = join(workDir, 'haproxy-b.cfg');
  writeFileSync(aCfg, outboundConfig(aPort, bPort, certs));
  writeFileSync(bCfg, inboundConfig(bPort, backendPort, certs));
  const started: PinnedChild[] = [];
  const stop = async (): Promise<void> => {
    for (const c of started) await c.stop();
  };
  try {
    // -db: foreground, no master process: the pid is the one worker whose CPU we read.
    for (const [name, cfg, port] of [['haproxy B (inbound)', bCfg, bPort], ['haproxy A (outbound)', aCfg, aPort]] as const) {
      execFileSync('haproxy', ['-c', '-q', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
      const c = spawnPinned({ name, cpu: SERVER_CPU, command: 'haproxy', args: ['-db', '-f', cfg], boost });
      started.push(c);
      await waitUntil(`${name} listening on ${port}`, async () => {
        assertAlive(c);
        return accepts(port);
      }, 10_000);
    }
    const chain: Chain = {
      name: 'haproxy',
      description: 'client → HAProxy A (plain HTTP) → mTLS (TLS 1.3, ECDSA P-256 certificates made by openssl at run time, client certificate required) → HAProxy B → backend; nbthread 1, http-reuse always, option http-keep-alive, option forwardfor, x-request-id set, no access log',
      target: { host: '127.0.0.1', port: aPort, hostHeader: 'backend:8080', path: '/' },
      proxies: [{ role: 'haproxy A (outbound)', pid: started[1]!.pid }, { role: 'haproxy B (inbound, mTLS)', pid: started[0]!.pid }],
      failure: () => firstFailure(started),
      stop,
    };
    await smokeTest(chain);
    return chain;
  } catch (err) {
    await stop();
    throw err;
  }
}
