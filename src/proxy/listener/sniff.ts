/**
 * First-byte protocol sniffing for a PERMISSIVE inbound port: a TLS connection starts with a
 * handshake record (content type 0x16), an HTTP/1 request with a method letter. The byte read is put
 * back (unshift) so the next owner of the socket, TLS server or HTTP parser, sees the stream whole.
 */
import type { Socket } from 'node:net';

/** TLS record content type "handshake": the first byte of every ClientHello. */
export const TLS_HANDSHAKE = 0x16;

/**
 * Waits for the first bytes of `socket` and reports whether they open a TLS handshake. On return
 * the socket is paused with those bytes unshifted back; a socket that closes or errs first, or
 * sends nothing for `timeoutMs`, is destroyed and `onResult` never runs.
 */
export function sniffTls(socket: Socket, timeoutMs: number, onResult: (isTls: boolean) => void): void {
  const onData = (chunk: Buffer): void => {
    done();
    socket.pause();
    socket.unshift(chunk);
    onResult(chunk.length > 0 && chunk[0] === TLS_HANDSHAKE);
  };
  const onGone = (): void => {
    done();
    socket.destroy();
  };
  const done = (): void => {
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('end', onGone);
    socket.removeListener('error', onGone);
  };
  const timer = setTimeout(onGone, timeoutMs);
  socket.on('data', onData);
  socket.once('end', onGone);
  socket.once('error', onGone);
}
