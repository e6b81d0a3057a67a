/** Reads a request body as JSON, within a size cap: 413 past the cap, 400 with advice for empty or malformed JSON. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'WEFT_HTTP_BODY_TOO_LARGE', `the request body is larger than ${maxBytes} bytes; apply fewer or smaller files at a time`);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        // Keep reading (and dropping) so the 413 can be written; the reply closes the connection.
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `the request body could not be read (${err.message}); send it again`, { cause: err }));
      failed = true;
    });
  });
}

/** `what` names the expected body for the advice, e.g. "an ApplyRequest { sources: [...] }". */
export async function readJson(req: IncomingMessage, maxBytes: number, what: string): Promise<unknown> {
  const text = (await readBody(req, maxBytes)).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'WEFT_HTTP_BAD_JSON', `the request body is empty; send ${what} as JSON`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'WEFT_HTTP_BAD_JSON', `the request body is not valid JSON (${(err as Error).message}); send ${what} as JSON with content-type application/json`);
  }
}
