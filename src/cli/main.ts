// Entry point of the `weft` executable: runs the command line against the real process and exits with its code.
import { processIo } from './io.ts';
import { runCli } from './program.ts';

// `weft get vs -o yaml | head -3`: a reader that goes away is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// A command has finished its work; a handle something left open (a keep-alive socket, a
// stray timer) must not keep the process alive. The timer is unref'd, so a clean exit is not delayed.
setTimeout(() => process.exit(code), 1000).unref();
