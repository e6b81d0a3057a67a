/**
 * ProxyStream: one proxy's open push stream — an HTTP response that never ends on its own,
 * carrying one PushMessage per line (NDJSON). Each line is written as its own chunk with Nagle
 * off, so the proxy sees it at once; a peer that stops reading is cut off rather than buffered forever.
 */
import type { ServerResponse } from 'node:http';
import type { PushMessage } from '../../model/control-protocol.ts';

export const NDJSON = 'application/x-ndjson';
/** More than this many bytes unread by the proxy means it is stuck: drop it, it will reconnect. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class ProxyStream {
  readonly #res: ServerResponse;
  #closed = false;

  constructor(res: ServerResponse, onClose: () => void) {
    this.#res = res;
    res.socket?.setNoDelay(true);
    res.writeHead(200, {
      'content-type': NDJSON,
      'cache-control': 'no-store',
      // Tells reverse proxies (nginx and friends) not to buffer the stream either.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.on('close', () => {
      this.#closed = true;
      onClose();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** False when the stream is gone (closed, or cut off for not reading). */
  send(message: PushMessage): boolean {
    if (this.#closed) return false;
    if (this.#res.writableLength > MAX_BUFFERED_BYTES) {
      this.#res.destroy(new Error('proxy stopped reading its push stream'));
      return false;
    }
    this.#res.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /** Ends the response cleanly (the proxy sees end of stream and reconnects). */
  end(): void {
    if (this.#closed) return;
    this.#res.end();
  }
}
