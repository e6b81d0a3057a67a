/**
 * The HTTP connection manager (Envoy's HCM) for one downstream connection: parses requests one at
 * a time, runs each through the listener's Service, writes the response back, and keeps the
 * connection alive between requests. Errors of any stage become local replies through rescue.ts.
 *
 *   socket ─data─▶ RequestParser ─head─▶ HttpRequest ─▶ service(req) ─▶ HttpResponse ─▶ head + body ─▶ socket
 *                          └─body─▶ req.body (streams to the upstream, paused by backpressure)
 *   A stream ends when both its request body is read and its response is written; then the
 *   parser resumes on any pipelined bytes, or the connection closes.
 */
import type { Socket } from 'node:net';
import { Body } from './body.ts';
import { RequestParser, HttpParseError, type ParserHandler, type RequestHead } from './codec-h1.ts';
import { endToEnd, setForwardingHeaders } from './headers.ts';
import { newStreamInfo, setHeader, getHeader, type HttpRequest, type HttpResponse, type Service, type StreamInfo } from './message.ts';
import { SocketBodySink, framingFor, headerBlock, sizeOf, writeWhole } from './writer.ts';
import { DownstreamProtocolError } from '../errors.ts';
import { HeadTimer } from './head-timer.ts';
import { formatSocketAddress } from '../transport/address.ts';

export interface StreamRecord {
  readonly request: HttpRequest;
  readonly info: StreamInfo;
  readonly protocol: string;
  /** Response body bytes written downstream. */
  readonly bytesSent: number;
  /** Response header fields written downstream (flat [name, value, …]), empty when none was (issue 5: access logs, metrics). */
  readonly responseHeaders: readonly string[];
}

export interface ConnectionManagerConfig {
  readonly direction: 'outbound' | 'inbound';
  /** The Service to run for a new request (read per request, so a new config version applies to the next request). */
  service(): Service;
  /** Turns any error into a local reply, filling info.responseFlags (rescue.ts). */
  rescue(err: unknown, info: StreamInfo): HttpResponse;
  /** Called once per stream when it ends (access log, stats). */
  onStreamEnd(record: StreamRecord): void;
  /** Close a connection with no request in flight after this long (ms); the listener's tracker enforces it. */
  readonly idleTimeoutMs: number;
  /** Called once the connection has no stream in flight (drain bookkeeping). */
  onIdle?(conn: DownstreamConnection): void;
  /**
   * Issue 4 (hardened proxy): a request head must complete within this long (ms) of its first
   * byte, else 408 and close (Envoy's request_headers_timeout). Absent or 0: no limit.
   */
  readonly headersTimeoutMs?: number;
}

const NO_HEADERS: readonly string[] = [];
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

interface ActiveStream {
  readonly request: HttpRequest;
  readonly method: string;
  readonly versionMinor: number;
  keepAlive: boolean;
  requestDone: boolean;
  responseStarted: boolean;
  responseDone: boolean;
  bytesSent: number;
  /** The response body being written, so a downstream close can cancel it. */
  response: Body | null;
  /** Response header fields as sent, for the access log's %RESP(…)% (issue 5). */
  responseHeaders: readonly string[];
}

export class DownstreamConnection implements ParserHandler<RequestHead> {
  readonly socket: Socket;
  readonly #cfg: ConnectionManagerConfig;
  readonly #parser: RequestParser;
  readonly #remote: string;
  readonly #remotePort: number;
  /** This listener's end of the connection, "address:port", read once per connection (access logs). */
  readonly #local: string;
  #peerIdentity: string;
  /** Issue 4: null when the listener has no headers timeout. */
  readonly #headTimer: HeadTimer | null;
  #stream: ActiveStream | null = null;
  #closing = false;
  /**
   * The authority of a CONNECT tunnel this connection became: Node's fetch (undici) reaches
   * HTTP_PROXY by tunnelling even for http:// URLs, so the outbound listener accepts
   * `CONNECT host:port`, answers 200 and reads the plain HTTP/1.1 inside as ordinary requests.
   */
  #tunnel: string | null = null;
  #openingTunnel = false;
  /** Monotonic time of the last stream start or end; the listener's sweeper closes idle connections by it. */
  lastActive = performance.now();

  constructor(socket: Socket, cfg: ConnectionManagerConfig, peerIdentity = '') {
    this.socket = socket;
    this.#cfg = cfg;
    this.#parser = new RequestParser(this);
    this.#remote = socket.remoteAddress ?? '';
    this.#remotePort = socket.remotePort ?? 0;
    this.#local = formatSocketAddress(socket.localAddress, socket.localPort);
    this.#peerIdentity = peerIdentity;
    const headersTimeoutMs = cfg.headersTimeoutMs ?? 0;
    this.#headTimer = headersTimeoutMs > 0 ? new HeadTimer(headersTimeoutMs, this.#headersTimedOut) : null;
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', noop);
  }

  get busy(): boolean { return this.#stream !== null; }

  /** Finish the stream in flight (if any), then close; used when the listener drains. */
  closeWhenIdle(): void {
    this.#closing = true;
    if (this.#stream === null) this.socket.end();
  }

  // === ParserHandler ===

  onHead(head: RequestHead): void {
    this.lastActive = performance.now();
    this.#headTimer?.stop();
    if (head.method === 'CONNECT' && this.#cfg.direction === 'outbound' && this.#tunnel === null && head.bodyKind === 'none') {
      this.#openTunnel(head.target);
      return;
    }
    const info = newStreamInfo(this.#cfg.direction, this.#remote);
    info.peerIdentity = this.#peerIdentity;
    info.downstreamRemotePort = this.#remotePort;
    info.downstreamLocalAddress = this.#local;
    const body = head.bodyKind === 'none' ? Body.empty() : new Body(head.bodyKind === 'length' ? head.contentLength : null, this.#producer);
    let authority: string;
    let path: string;
    let headers: string[];
    let target = head.target;
    try {
      if (head.method === 'CONNECT') throw new DownstreamProtocolError('CONNECT is accepted once, on the outbound listener, to open a tunnel for plain HTTP', 405);
      headers = endToEnd(head.headers);
      if (target.charCodeAt(0) === 47 /* / */ || target === '*') {
        path = target;
        const host = getHeader(headers, 'host') ?? this.#tunnel ?? '';
        if (host === '') throw new DownstreamProtocolError('missing Host header');
        authority = host.toLowerCase();
      } else {
        // absolute-form (RFC 9112 §3.2.2), what clients that honour HTTP_PROXY send: the target's
        // authority replaces Host.
        const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)([^#]*)/.exec(target);
        if (m === null) throw new DownstreamProtocolError('invalid request target');
        authority = m[2]!.toLowerCase();
        if (authority.includes('@')) throw new DownstreamProtocolError('userinfo in the request target is not allowed');
        path = m[3] === '' ? '/' : m[3]!;
        if (path.charCodeAt(0) === 63 /* ? */) path = `/${path}`;
        setHeader(headers, 'host', authority);
        target = path;
      }
      info.requestId = setForwardingHeaders(headers, this.#remote, 'http');
    } catch (err) {
      this.#stream = {
        request: { method: head.method, authority: '', path: target, scheme: 'http', headers: [], body, info },
        method: head.method,
        versionMinor: head.versionMinor,
        keepAlive: false,
        requestDone: head.bodyKind === 'none',
        responseStarted: false,
        responseDone: false,
        bytesSent: 0,
        response: null,
        responseHeaders: NO_HEADERS,
      };
      if (head.bodyKind !== 'none') body.discard();
      this.#respond(this.#cfg.rescue(err, info));
      return;
    }
    const request: HttpRequest = { method: head.method, authority, path, scheme: 'http', headers, body, info };
    const stream: ActiveStream = {
      request,
      method: head.method,
      versionMinor: head.versionMinor,
      keepAlive: head.keepAlive,
      requestDone: head.bodyKind === 'none',
      responseStarted: false,
      responseDone: false,
      bytesSent: 0,
      response: null,
      responseHeaders: NO_HEADERS,
    };
    this.#stream = stream;
    // Envoy answers Expect: 100-continue itself and does not forward it (proxy_100_continue off).
    if (head.expectContinue) this.socket.write(CONTINUE, 'latin1');
    let p: Promise<HttpResponse>;
    try {
      p = this.#cfg.service()(request);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (res) => this.#respond(res),
      (err: unknown) => this.#respond(this.#cfg.rescue(err, info)),
    );
  }

  onBody(chunk: Buffer): void {
    this.#stream?.request.body.push(chunk);
  }

  onMessageEnd(): void {
    const s = this.#stream;
    if (s === null) {
      if (this.#openingTunnel) {
        // The CONNECT request is complete: what follows on the connection is the tunnel's HTTP.
        this.#openingTunnel = false;
        this.#parser.resume();
      }
      return;
    }
    s.request.body.end();
    if (!s.requestDone) {
      s.requestDone = true;
      this.#maybeFinish(s);
    }
  }

  #openTunnel(target: string): void {
    if (!/^[a-z0-9.-]+:\d{1,5}$/i.test(target)) {
      this.socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      this.#parser.kill();
      return;
    }
    this.#tunnel = target.toLowerCase();
    this.#openingTunnel = true;
    this.socket.write('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');
  }

  // === response ===

  #respond(res: HttpResponse): void {
    const s = this.#stream;
    if (s === null || s.responseStarted) {
      res.body.cancel();
      return;
    }
    if (this.socket.destroyed) {
      res.body.cancel();
      this.#end(s);
      return;
    }
    s.responseStarted = true;
    s.response = res.body;
    s.responseHeaders = res.headers;
    const info = s.request.info;
    info.responseCode = res.status;
    const bodyAllowed = s.method !== 'HEAD' && res.status !== 204 && res.status !== 304 && res.status >= 200;
    const sock = this.socket;
    // Fast path: the whole body is here already (small answers usually are) → one write, framed
    // by its actual length whatever the upstream used.
    const whole = bodyAllowed ? res.body.takeComplete() : null;
    if (whole !== null) {
      if (this.#closing) s.keepAlive = false;
      const size = sizeOf(whole);
      writeWhole(sock, `HTTP/1.1 ${res.status} ${res.reason ?? ''}\r\n${headerBlock(res.headers, 'length', size, this.#connectionField(s))}`, whole, size);
      s.bytesSent = size;
      s.responseDone = true;
      this.#maybeFinish(s);
      return;
    }
    const framing = framingFor(res.body, s.versionMinor, bodyAllowed);
    if (framing === 'close' || this.#closing) s.keepAlive = false;
    const connection = this.#connectionField(s);
    sock.cork();
    sock.write(`HTTP/1.1 ${res.status} ${res.reason ?? ''}\r\n${headerBlock(res.headers, framing, res.body.length, connection)}`, 'latin1');
    if (!bodyAllowed) {
      res.body.discard();
      process.nextTick(uncork, sock);
      s.responseDone = true;
      this.#maybeFinish(s);
      return;
    }
    const sink = new SocketBodySink(sock, framing, (err) => {
      s.bytesSent = sink.bytes;
      if (err !== null) {
        // The upstream failed mid-body: the only honest signal left is to reset the connection.
        info.responseFlags ||= 'UPE';
        s.keepAlive = false;
        sock.destroy();
        this.#end(s);
        return;
      }
      s.responseDone = true;
      this.#maybeFinish(s);
    });
    sink.start(res.body);
    process.nextTick(uncork, sock);
  }

  #connectionField(s: ActiveStream): string {
    return s.keepAlive ? (s.versionMinor === 0 ? 'connection: keep-alive\r\n' : '') : 'connection: close\r\n';
  }

  #maybeFinish(s: ActiveStream): void {
    if (!s.responseDone) return;
    if (!s.requestDone) {
      // Answered before the request body was read (e.g. a local reply): read and drop the rest so
      // the connection stays usable.
      s.request.body.discard();
      return;
    }
    this.#end(s);
    if (this.socket.destroyed) return;
    if (s.keepAlive && !this.#closing) {
      this.#parser.resume();
    } else {
      this.socket.end();
    }
  }

  /** Records the stream (exactly once) and clears it. */
  #end(s: ActiveStream): void {
    if (this.#stream !== s) return;
    this.#stream = null;
    this.lastActive = performance.now();
    this.#cfg.onStreamEnd({ request: s.request, info: s.request.info, protocol: s.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0', bytesSent: s.bytesSent, responseHeaders: s.responseHeaders });
    this.#cfg.onIdle?.(this);
  }

  // === socket events ===

  #producer = {
    pause: (): void => { this.socket.pause(); },
    resume: (): void => { this.socket.resume(); },
  };

  #onData = (buf: Buffer): void => {
    try {
      this.#parser.execute(buf);
    } catch (err) {
      this.#protocolError(err);
    }
    this.#headTimer?.check(this.#stream === null && this.#parser.hasBuffered);
  };

  /** Issue 4: the head did not complete in time: 408, and the connection closes. */
  #headersTimedOut = (): void => {
    if (this.#stream !== null || this.socket.destroyed) return;
    this.#parser.kill();
    this.#protocolError(new HttpParseError('request headers not received within the headers timeout', 408));
  };

  #protocolError(err: unknown): void {
    const s = this.#stream;
    const e = err instanceof HttpParseError ? new DownstreamProtocolError(err.message, err.status) : err;
    if (s !== null && s.responseStarted) {
      this.socket.destroy();
      this.#end(s);
      return;
    }
    // Malformed input: answer once (400/431/501…) and close; never reuse a connection whose framing is in doubt.
    const info = s?.request.info ?? newStreamInfo(this.#cfg.direction, this.#remote);
    const stream: ActiveStream = s ?? {
      request: { method: '-', authority: '', path: '', scheme: 'http', headers: [], body: Body.empty(), info },
      method: 'GET',
      versionMinor: 1,
      keepAlive: false,
      requestDone: true,
      responseStarted: false,
      responseDone: false,
      bytesSent: 0,
      response: null,
      responseHeaders: NO_HEADERS,
    };
    stream.keepAlive = false;
    stream.requestDone = true;
    if (s !== null) s.request.body.fail(e as Error);
    this.#stream = stream;
    this.#closing = true;
    this.#respond(this.#cfg.rescue(e, info));
  }

  #onEnd = (): void => {
    // The client half-closed: finish the stream in flight, then close.
    this.#closing = true;
    if (this.#stream === null) this.socket.end();
  };

  #onClose = (): void => {
    this.#parser.kill();
    this.#headTimer?.stop();
    const s = this.#stream;
    if (s === null) return;
    if (!s.requestDone) s.request.body.fail(new Error('downstream closed the connection'));
    const info = s.request.info;
    if (!s.responseDone) {
      // Envoy resets the upstream stream when the downstream goes away: the app (or the peer
      // sidecar) sees its request cancelled instead of working for nobody, and no retry follows.
      info.downstreamGone = true;
      info.upstreamConnection?.destroy();
    }
    if (!s.responseStarted) info.responseFlags ||= 'DC';
    if (!s.responseDone) {
      s.response?.cancel();
      this.#end(s);
    }
  };

  /** Closes the connection if it has had no stream since `cutoff` (called by the listener's sweeper). */
  closeIfIdleSince(cutoff: number): void {
    if (this.#stream === null && this.lastActive < cutoff) this.socket.destroy();
  }
}

function uncork(s: Socket): void {
  s.uncork();
}

function noop(): void {}
