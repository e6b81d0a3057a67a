// Shows the demo's chart while traffic runs: redrawn in place on a terminal, a summary line every few seconds anywhere else.
import type { TextSink } from '../cli/io.ts';
import { renderChart, renderSummaryLine } from './chart.ts';
import type { Tally } from './tally.ts';

export interface LiveView {
  /** Draws the final state and stops updating. */
  stop(): void;
}

export function startLiveView(out: TextSink, tally: Tally, o: { tty: boolean; color: boolean }): LiveView {
  if (!o.tty) {
    const t = setInterval(() => out.write(`  … ${renderSummaryLine(tally)}\n`), 2000);
    return {
      stop() {
        clearInterval(t);
        out.write(`${renderChart(tally).join('\n')}\n`);
      },
    };
  }
  let drawn = 0;
  const draw = (): void => {
    const lines = renderChart(tally, { color: o.color });
    // Up over the previous drawing, clear to the end of the screen, draw again.
    out.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  draw();
  const t = setInterval(draw, 250);
  return {
    stop() {
      clearInterval(t);
      draw();
    },
  };
}
