// Tests of the wrk report parser and command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrkDuration, parseWrkOutput, wrkArgs } from './wrk.ts';

const REPORT = `Running 10s test @ http://127.0.0.1:33445/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.06ms    4.57ms  50.52ms   94.15%
    Req/Sec    15.98k     4.88k   21.12k    85.00%
  Latency Distribution
     50%  565.00us
     75%    1.79ms
     90%    3.96ms
     99%   24.99ms
  159855 requests in 10.02s, 28.80MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  15953.59
Transfer/sec:      2.87MB
`;

test('requests, duration, errors and the latency distribution', () => {
  const r = parseWrkOutput(REPORT);
  assert.equal(r.requests, 159855);
  assert.equal(r.elapsedMs, 10020);
  assert.ok(Math.abs(r.throughput - 159855 / 10.02) < 1e-6);
  assert.equal(r.socketErrors, 5);
  assert.equal(r.nonSuccess, 7);
  assert.equal(r.errors, 12);
  assert.equal(r.p50Us, 565);
  assert.equal(r.p90Us, 3960);
  assert.equal(r.p99Us, 24990);
});

test('a clean report has no errors; an unrecognised one throws', () => {
  const clean = REPORT.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
  assert.equal(parseWrkOutput(clean).errors, 0);
  assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused'), /unrecognised wrk output/);
});

test('durations in every unit wrk prints', () => {
  assert.equal(parseWrkDuration('12.5us'), 12.5);
  assert.equal(parseWrkDuration('1.79ms'), 1790);
  assert.equal(parseWrkDuration('2.00s'), 2_000_000);
  assert.equal(parseWrkDuration('1m'), 60_000_000);
  assert.ok(Number.isNaN(parseWrkDuration('soon')));
});

test('the command line: one thread, the Host header, whole seconds', () => {
  assert.deepEqual(wrkArgs({ host: '127.0.0.1', port: 8000, hostHeader: 'backend:8080', path: '/', connections: 64, durationMs: 10_400 }),
    ['-t1', '-c64', '-d10s', '--timeout', '5s', '--latency', '-H', 'Host: backend:8080', 'http://127.0.0.1:8000/']);
});
