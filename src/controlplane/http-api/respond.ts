/** Writing replies: JSON with a length, 204, and errors in the one ErrorBody shape. */
import type { ServerResponse } from 'node:http';
import { errorReply } from './errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** Answers with the error's status and ErrorBody; after a 413 (or any body left unread) the connection is closed. */
export function sendError(res: ServerResponse, err: unknown, closeConnection: boolean): number {
  const reply = errorReply(err);
  if (res.headersSent) {
    res.destroy();
    return reply.status;
  }
  sendJson(res, reply.status, reply.body, closeConnection ? { ...reply.headers, connection: 'close' } : reply.headers);
  return reply.status;
}
