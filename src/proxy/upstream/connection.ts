/**
 * UpstreamConnection: one HTTP/1.1 connection from the sidecar to an upstream (a peer sidecar over
 * mTLS, or the local app), carrying one request at a time: it writes the request, parses the
 * response, and tells its pool whether it can be reused.
 */
import type { Socket } from 'node:net';
import { Body } from '../http/body.ts';
import { ResponseParser, HttpParseError, type ParserHandler, type ResponseHead } from '../http/codec-h1.ts';
import { endToEnd } from '../http/headers.ts';
import type { HttpResponse } from '../http/message.ts';
import { SocketBodySink, headerBlock, sizeOf, writeWhole, type Framing } from '../http/writer.ts';
import { UpstreamProtocolError, UpstreamResetError } from '../errors.ts';
import { formatSocketAddress } from '../transport/address.ts';

export interface ConnectionOwner {
  /** The exchange finished and the connection may carry another request. */
  release(conn: UpstreamConnection): void;
  /** The connection is gone (closed, errored, or not reusable). */
  discard(conn: UpstreamConnection): void;
}

interface Exchange {
  resolve: (res: HttpResponse) => void;
  reject: (err: Error) => void;
  onDone: () => void;
  response: Body | null;
  requestDone: boolean;
  responseDone: boolean;
  keepAlive: boolean;
  /** Whether any response byte has arrived (a reused connection that dies before is safe to retry). */
  sawBytes: boolean;
}

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

export class UpstreamConnection implements ParserHandler<ResponseHead> {
  readonly socket: Socket;
  readonly endpoint: string;
  /** Requests this connection has carried (0 while on its first). */
  served = 0;
  /** Set by the pool while a request holds this connection (the cluster's `requests` count includes it). */
  attached = false;
  #owner: ConnectionOwner;
  #parser: ResponseParser;
  #exchange: Exchange | null = null;
  #closed = false;
  #local: string | undefined;

  constructor(socket: Socket, endpoint: string, owner: ConnectionOwner) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.#owner = owner;
    this.#parser = new ResponseParser(this);
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', noop);
    socket.on('end', this.#onEnd);
  }

  get closed(): boolean { return this.#closed || this.socket.destroyed; }

  /** This end of the connection as "address:port" (Envoy's %UPSTREAM_LOCAL_ADDRESS%), read from the socket once. */
  get localAddress(): string {
    return (this.#local ??= formatSocketAddress(this.socket.localAddress, this.socket.localPort));
  }

  /**
   * Sends one request. Resolves with the response once its head arrives; the response body then
   * streams. `onDone` runs exactly once when the exchange is over (either way).
   */
  request(method: string, path: string, headers: readonly string[], body: Body, onDone: () => void): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      if (this.closed) {
        onDone();
        reject(new UpstreamResetError(this.endpoint));
        return;
      }
      const ex: Exchange = { resolve, reject, onDone, response: null, requestDone: false, responseDone: false, keepAlive: true, sawBytes: false };
      this.#exchange = ex;
      this.#parser.requestMethod = method;
      const s = this.socket;
      const whole = body.takeComplete();
      if (whole !== null) {
        // The whole request is here (every GET, most small POSTs): one write.
        const size = sizeOf(whole);
        const framing: Framing = size === 0 && METHODS_WITHOUT_BODY.has(method) ? 'none' : 'length';
        writeWhole(s, `${method} ${path} HTTP/1.1\r\n${headerBlock(headers, framing, size, '')}`, whole, size);
        ex.requestDone = true;
        return;
      }
      const framing: Framing = body.length !== null ? 'length' : 'chunked';
      s.cork();
      s.write(`${method} ${path} HTTP/1.1\r\n${headerBlock(headers, framing, body.length, '')}`, 'latin1');
      const sink = new SocketBodySink(s, framing, (err) => {
        if (err !== null) {
          // The downstream request body failed mid-way: this connection's framing is broken.
          this.#fail(err);
          return;
        }
        ex.requestDone = true;
        this.#maybeComplete(ex);
      });
      sink.start(body);
      process.nextTick(uncork, s);
    });
  }

  /** Whether a failure of the current exchange happened before any response byte on a reused connection. */
  get failedBeforeResponse(): boolean {
    return this.served > 0 && (this.#exchange === null || !this.#exchange.sawBytes);
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
  }

  // === ParserHandler ===

  onHead(head: ResponseHead): void {
    const ex = this.#exchange;
    if (ex === null) return;
    if (head.status < 200) return; // 100 Continue / 103: not forwarded (the sidecar answered Expect itself)
    ex.keepAlive = head.keepAlive;
    const length = head.bodyKind === 'length' ? head.contentLength : head.bodyKind === 'none' ? 0 : null;
    const body = new Body(length, this.#producer);
    ex.response = body;
    ex.resolve({ status: head.status, reason: head.reason, headers: endToEnd(head.headers), body });
  }

  onBody(chunk: Buffer): void {
    this.#exchange?.response?.push(chunk);
  }

  onMessageEnd(): void {
    const ex = this.#exchange;
    if (ex === null) return;
    if (ex.response === null) {
      // An informational response ended; the real one follows.
      this.#parser.resume();
      return;
    }
    ex.responseDone = true;
    ex.response.end();
    this.#maybeComplete(ex);
  }

  // === internals ===

  #producer = {
    pause: (): void => { this.socket.pause(); },
    resume: (): void => { this.socket.resume(); },
    cancel: (): void => { this.#fail(new Error('response cancelled downstream')); },
  };

  #maybeComplete(ex: Exchange): void {
    if (!ex.requestDone || !ex.responseDone || this.#exchange !== ex) return;
    this.#exchange = null;
    this.served++;
    ex.onDone();
    if (ex.keepAlive && !this.closed) {
      this.#parser.resume();
      this.#owner.release(this);
    } else {
      this.destroy();
      this.#owner.discard(this);
    }
  }

  #onData = (buf: Buffer): void => {
    const ex = this.#exchange;
    if (ex === null) {
      // Bytes with no request outstanding: the peer broke the protocol; never reuse.
      this.destroy();
      return;
    }
    ex.sawBytes = true;
    try {
      this.#parser.execute(buf);
    } catch (err) {
      this.#fail(err instanceof HttpParseError ? new UpstreamProtocolError(`invalid HTTP response from ${this.endpoint}: ${err.message}`) : (err as Error));
    }
  };

  #onEnd = (): void => {
    // A close-delimited response ends with the connection.
    if (this.#parser.finish()) return;
  };

  #onClose = (): void => {
    this.#closed = true;
    const ex = this.#exchange;
    if (ex !== null && !(ex.responseDone && ex.requestDone)) {
      if (this.#parser.finish() && ex.requestDone) return;
      this.#fail(new UpstreamResetError(this.endpoint));
      return;
    }
    this.#owner.discard(this);
  };

  #fail(err: Error): void {
    const ex = this.#exchange;
    this.#exchange = null;
    this.#parser.kill();
    this.destroy();
    this.#owner.discard(this);
    if (ex === null) return;
    if (ex.response === null) ex.reject(err);
    else if (!ex.responseDone) ex.response.fail(err);
    ex.onDone();
  }
}

function uncork(s: Socket): void {
  s.uncork();
}

function noop(): void {}
