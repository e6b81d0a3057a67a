// node bench/e2e/span-sink.ts — the telemetry chains' trace collector: accepts Zipkin v2 / OTLP-JSON span batches on loopback, counts spans per path and discards them; prints {"port":N} once listening.
/*
 * It must cost the measured path nothing: it runs on the load generator's CPU and answers 202
 * as soon as a batch's bytes are in. Spans are counted by occurrences of `"traceId"` (one per
 * Zipkin span; one per OTLP span, whose resource and scope carry none), which is cheaper than a
 * JSON parse and exact for these formats. `GET /counts` answers {"<path>": {batches, spans, bytes}}.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkCount {
  readonly batches: number;
  readonly spans: number;
  readonly bytes: number;
}

const TRACE_ID = Buffer.from('"traceId"');

/** How many spans a batch body holds (see the file comment). */
export function countSpans(body: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(TRACE_ID); at !== -1; at = body.indexOf(TRACE_ID, at + TRACE_ID.length)) n++;
  return n;
}

export function createSpanSink(): http.Server {
  const counts = new Map<string, { batches: number; spans: number; bytes: number }>();
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/counts') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Object.fromEntries(counts)));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      let c = counts.get(path);
      if (c === undefined) counts.set(path, (c = { batches: 0, spans: 0, bytes: 0 }));
      c.batches++;
      c.spans += countSpans(body);
      c.bytes += body.length;
      res.writeHead(202, { 'content-length': 0 });
      res.end();
    });
  });
}

/** The sink's counts, read over HTTP by the bench. */
export async function sinkCounts(port: number): Promise<Record<string, SinkCount>> {
  const res = await fetch(`http://127.0.0.1:${port}/counts`, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as Record<string, SinkCount>;
}

if (import.meta.main) {
  const server = createSpanSink();
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
