// `weft demo`: flags for the seed's canary demo (src/demo/demo.ts does the work).
import type { Command } from 'commander';
import { parsePositiveInt, parseSecondsMs } from '../parse.ts';
import type { CliContext } from '../context.ts';

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('the seed\'s canary end to end: control plane, six services, the Istio YAML applied verbatim, live traffic split')
    .option('--duration <seconds>', 'send traffic this long, then stop everything (default: until Ctrl-C)', parseSecondsMs)
    .option('--requests <n>', 'send this many requests, then stop everything', parsePositiveInt)
    .option('--rate <n>', 'requests per second', parsePositiveInt, 50)
    .option('--state-dir <dir>', 'control plane state directory (default: a temporary one, removed at the end)')
    .addHelpText('after', `
Starts a control plane and, each through \`weft run\`, api-gateway v1, order-service v1 and v2,
user-service v1 and v2 and payment-service v1 — plain node:http services without mesh code.
Applies the canary of the seed (VirtualService + DestinationRule, 90/10, beta users to v2)
and shows which order-service version answers: about 90/10 for normal requests, 100 % v2
for "user-type: beta". Ctrl-C stops everything and leaves no process behind.

Examples:
  weft demo                                   # until Ctrl-C; try weft proxy-status meanwhile
  weft demo --duration 10                     # for scripts: 10 s of traffic, then exit
  weft demo --requests 2000 --rate 200`)
    .action(ctx.action(async (opts: { duration?: number; requests?: number; rate: number; stateDir?: string }) => {
      const { runDemo } = await import('../../demo/demo.ts');
      return runDemo({ durationMs: opts.duration, requests: opts.requests, stateDir: opts.stateDir, rate: opts.rate }, ctx.io);
    }));
}
