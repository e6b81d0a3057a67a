/**
 * HttpError and the one mapping from any thrown value to an HTTP status and an ErrorBody
 * ({ error: { code, message } }). Messages say what to do next; 5xx details go to the log.
 */
import { WeftError } from '../../lib/errors.ts';
import type { ErrorBody } from './types.ts';

export class HttpError extends WeftError {
  readonly status: number;
  /** Extra response headers (e.g. Allow on a 405). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.headers = options?.headers ?? {};
  }
}

/** Statuses of WeftErrors raised below the HTTP layer; any other error is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  WEFT_COMPILE_FAILED: 500,
  WEFT_STORE_WRITE_FAILED: 500,
  WEFT_STORE_CLOSED: 503,
  WEFT_CONTROL_PLANE_CLOSING: 503,
};

export interface ErrorReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ErrorBody;
}

export function errorReply(err: unknown): ErrorReply {
  if (err instanceof HttpError) return { status: err.status, headers: err.headers, body: errorBody(err.code, err.message) };
  if (err instanceof WeftError && STATUS_BY_CODE[err.code] !== undefined) {
    return { status: STATUS_BY_CODE[err.code] as number, headers: {}, body: errorBody(err.code, err.message) };
  }
  return {
    status: 500,
    headers: {},
    body: errorBody('WEFT_INTERNAL', 'the control plane failed to handle this request (a bug: its log has the details); retry, and report it if it persists'),
  };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
