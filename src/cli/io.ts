// Io: the streams, environment and clock a command may use, passed in so that commands run the same in tests as in a terminal.
import { PassThrough } from 'node:stream';

export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

export interface Io {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch (relative times in tables). */
  now(): number;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, now: () => Date.now() };
}

/** Writes one line (adds the newline). */
export function println(sink: TextSink, text = ''): void {
  sink.write(`${text}\n`);
}

/** True when colour escapes are welcome on `sink` (a terminal, and NO_COLOR unset). */
export function useColor(sink: TextSink, env: Io['env']): boolean {
  return sink.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

export interface CapturedIo extends Io {
  readonly out: () => string;
  readonly err: () => string;
}

/** An Io that records what a command prints (tests); stdin holds `stdinText`. */
export function captureIo(options: { env?: Record<string, string | undefined>; stdinText?: string; now?: number } = {}): CapturedIo {
  let out = '';
  let err = '';
  const stdin = new PassThrough();
  stdin.end(options.stdinText ?? '');
  const now = options.now ?? Date.parse('2026-01-01T00:00:00Z');
  return {
    stdout: { write: (t: string) => { out += t; return true; } },
    stderr: { write: (t: string) => { err += t; return true; } },
    stdin,
    env: options.env ?? {},
    now: () => now,
    out: () => out,
    err: () => err,
  };
}
