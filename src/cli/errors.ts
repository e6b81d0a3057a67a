// The errors a CLI command ends with, each carrying the exit code it means and a hint of what to do next.
import { WeftError } from '../lib/errors.ts';
import { ExitCode } from './exit-codes.ts';

/** An error the CLI reports as `error: <message>` followed by `<hint>`, then exits with `exitCode`. */
export class CliError extends WeftError {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(code: string, message: string, exitCode: number, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** The command line itself is wrong. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super('WEFT_CLI_USAGE', message, ExitCode.USAGE, hint === undefined ? {} : { hint });
  }
}

/** A file, directory or stdin named with -f could not be read. */
export class SourceReadError extends CliError {
  constructor(message: string, cause?: unknown) {
    super('WEFT_CLI_SOURCE_UNREADABLE', message, ExitCode.INVALID_INPUT, { hint: 'check the path given with -f (a file, a directory of *.yaml/*.yml/*.json, or - for stdin)', cause });
  }
}

/** Nothing answered at the control plane URL. */
export class ControlPlaneUnreachableError extends CliError {
  readonly url: string;
  constructor(url: string, cause?: unknown) {
    super('WEFT_CONTROL_PLANE_UNREACHABLE', `cannot reach the control plane at ${url}`, ExitCode.UNREACHABLE, {
      hint: 'start one with `weft control-plane` or set WEFT_CONTROL_PLANE (or --control-plane URL) to where it listens',
      cause,
    });
    this.url = url;
  }
}

/** The control plane answered, but not with what the API promises. */
export class ControlPlaneResponseError extends CliError {
  readonly status: number;
  constructor(url: string, status: number, detail: string) {
    super('WEFT_CONTROL_PLANE_ERROR', `the control plane at ${url} answered ${status}: ${detail}`, ExitCode.SERVER_ERROR, {
      hint: 'see the control plane\'s log for the cause; the request may be retried',
    });
    this.status = status;
  }
}
