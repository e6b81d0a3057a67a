#!/usr/bin/env node
// The `weft` executable: hands over to the TypeScript CLI (Node >= 22.18 runs .ts directly).
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `weft needs Node.js 22.18 or newer (this is ${process.version}).\n` +
      'Inside the repository, run it through npm, which uses the pinned Node 24: `npx weft …` or `npm run demo`.\n',
  );
  process.exit(6);
}

// A sidecar's garbage is short-lived (one request's strings and buffers). Its young generation
// is sized for that: at V8's 1 MB start a busy sidecar scavenged every few milliseconds, each
// scavenge paying for the roots of every open connection, and spent a third of its CPU there; 4 MB
// semi-spaces cut the CPU per request by about a third at about the same RSS under load, and 8
// or 16 MB gained nothing measurable on top (bench/RESULTS.md, "young generation of the sidecars").
// One V8 worker thread is plenty for a process that mostly waits on sockets.
// V8 reads the flag only at start, so commands that host a sidecar re-exec themselves with it
// (execve keeps the pid, so signals and process groups are unaffected).
const SIDECAR_FLAGS = ['--max-semi-space-size=4', '--v8-pool-size=1'];
const args = process.argv.slice(2);
const verb = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--control-plane');
if ((verb === 'proxy' || verb === 'run') && typeof process.execve === 'function' && !process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
  process.execve(process.execPath, [process.execPath, ...SIDECAR_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...args], process.env);
}

// The compile cache keeps V8's code and the type-stripped sources on disk, so later starts skip
// loading the TypeScript stripper: ~30 MB less resident memory per sidecar, and a faster start.
module.enableCompileCache?.();
await import('../src/cli/main.ts');
