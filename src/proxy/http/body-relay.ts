/**
 * relayBody: a Body that passes another Body's chunks through unchanged — no copies, backpressure
 * both ways, cancel forwarded — and tells its owner, once, when the source has ended or failed or
 * the consumer cancelled. The route timeout
 * uses it to learn when a streaming response is complete, and to fail it if it is not in time.
 *
 *   src ──▶ [relay sink] ──push──▶ out ──▶ consumer
 *     ◀── pause/resume/cancel ──── out's producer
 */
import { Body, type BodyProducer } from './body.ts';

export function relayBody(src: Body, onDone: () => void): Body {
  let paused = false;
  let done = false;
  const settle = (): void => {
    if (done) return;
    done = true;
    onDone();
  };
  const producer: BodyProducer = {
    pause: () => { paused = true; },
    resume: () => {
      if (!paused) return;
      paused = false;
      src.resume();
    },
    cancel: () => {
      settle();
      src.cancel();
    },
  };
  const out = new Body(src.length, producer);
  src.pipe({
    write: (chunk) => {
      out.push(chunk);
      return !paused;
    },
    end: () => {
      settle();
      out.end();
    },
    abort: (err) => {
      settle();
      out.fail(err);
    },
  });
  return out;
}
