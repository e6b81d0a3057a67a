/** The cap on a listener's downstream connections (issue 4): over it, a new connection is accepted and closed at once by Node (`server.maxConnections`), counted, and logged at most once per interval. */
import type * as net from 'node:net';
import type { Logger } from '../../lib/log.ts';
import { RateLimitedLog } from '../transport/rate-limited-log.ts';

/** One line per listener per this interval at most while connections are being dropped. */
const LOG_INTERVAL_MS = 10_000;

export interface ConnectionCap {
  /** Connections closed on accept because the listener was full, since start. */
  readonly dropped: number;
}

export function capConnections(server: net.Server, max: number, listener: string, logger: Logger): ConnectionCap {
  const state = { dropped: 0 };
  if (!(max > 0)) return state;
  server.maxConnections = max;
  const log = new RateLimitedLog(LOG_INTERVAL_MS);
  server.on('drop', (data) => {
    state.dropped++;
    log.log(listener, (suppressed) => logger.warn(
      { listener, maxConnections: max, remote: data?.remoteAddress, droppedTotal: state.dropped, notLogged: suppressed },
      `${listener} listener at its cap of ${max} connections: closed a new connection at once`,
    ));
  });
  return state;
}
