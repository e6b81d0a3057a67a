// Exit codes of every `weft` command: one table, so that scripts can tell "your YAML is wrong" from "no control plane" (docs/cli.md).

export const ExitCode = {
  /** Done; for `analyze`, the input is valid. */
  OK: 0,
  /** The input is invalid: a YAML or schema error, an unreadable file, a rejected apply (nothing changed). */
  INVALID_INPUT: 1,
  /** The command line is wrong: unknown command or flag, missing or malformed value. */
  USAGE: 2,
  /** The control plane did not answer at the URL in use. */
  UNREACHABLE: 3,
  /** The named resource does not exist. */
  NOT_FOUND: 4,
  /** The control plane answered with an error the CLI did not expect (see the message). */
  SERVER_ERROR: 5,
  /** Something the command starts could not start: the control plane cannot listen, a sidecar never got ready, a demo workload died. */
  START_FAILED: 6,
  /** Issue 4: no usable credential (the admin token or the root certificate cannot be read), or the control plane refused the one given (401/403). */
  UNAUTHORIZED: 7,
  /** A bug in weft itself; the message and stack go to stderr. */
  INTERNAL: 70,
  /** `weft run`: the application's executable exists but cannot be executed (as in POSIX shells). */
  CANNOT_EXECUTE: 126,
  /** `weft run`: the application's executable was not found (as in POSIX shells). */
  COMMAND_NOT_FOUND: 127,
  /** Interrupted by SIGINT (Ctrl-C) before the command had done its work: 128 + 2. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** 128 + the signal's number, as shells report a process killed by a signal. */
export const SIGNAL_EXIT_BASE = 128;
