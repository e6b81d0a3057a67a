import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ENVOY_DEFAULT_TEXT_FORMAT, parseAccessLogFormat } from '../../model/access-log-format.ts';
import { validateProxyConfig } from '../../model/validate.ts';
import { AccessLog } from './access-log.ts';
import { Body } from '../http/body.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { newStreamInfo } from '../http/message.ts';
/** The log is off until a config turns it on (as in Istio); these tests turn on the JSON format. */
const JSON_ON = { enabled: true, format: 'json' } as const;


function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => { text += c; });
  return { out, text: () => text };
}

/** A finished outbound request with every field the log can carry. */
function fullRecord(): StreamRecord {
  const info = newStreamInfo('outbound', '127.0.0.1');
  Object.assign(info, {
    startTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    startMono: performance.now() - 12,
    requestId: 'r-1', responseCode: 503, responseFlags: 'UF', responseDetails: 'upstream connect error',
    upstreamHost: '127.0.0.1:9', upstreamCluster: 'outbound|8080||a.default.svc.cluster.local', routeName: 'default',
    upstreamStartMono: 1, upstreamEndMono: 3, downstreamRemotePort: 40000, downstreamLocalAddress: '127.0.0.1:15001',
    upstreamLocalAddress: '127.0.0.1:51000',
  });
  const headers = ['user-agent', 'evil "agent"\\\n', 'x-forwarded-for', '10.0.0.1', 'x-request-id', 'r-1'];
  return { request: { method: 'GET', authority: 'a:8080', path: '/x?"y"', scheme: 'http', headers, body: Body.empty(), info }, info, protocol: 'HTTP/1.1', bytesSent: 42, responseHeaders: ['x-b3', 'z'] };
}

test('JSON: one valid line per request with Envoy field names, escaping what the request carries', () => {
  const s = sink();
  const log = new AccessLog(s.out);
  log.configure(JSON_ON);
  log.record(fullRecord());
  const bare = newStreamInfo('inbound', '::1');
  log.record({ request: { method: 'POST', authority: 'b', path: '/', scheme: 'http', headers: [], body: Body.empty(), info: bare }, info: bare, protocol: 'HTTP/1.0', bytesSent: 0, responseHeaders: [] });
  log.flush();
  const lines = s.text().trim().split('\n');
  assert.equal(lines.length, 2);
  const a = JSON.parse(lines[0]!);
  assert.equal(a.start_time, '2026-01-02T03:04:05.678Z');
  assert.equal(a.method, 'GET');
  assert.equal(a.path, '/x?"y"');
  assert.equal(a.protocol, 'HTTP/1.1');
  assert.equal(a.response_code, 503);
  assert.equal(a.response_flags, 'UF');
  assert.equal(a.response_code_details, 'upstream connect error');
  assert.equal(a.user_agent, 'evil "agent"\\\n');
  assert.equal(a.x_forwarded_for, '10.0.0.1');
  assert.equal(a.bytes_received, 0);
  assert.equal(a.bytes_sent, 42);
  assert.ok(a.duration >= 11 && a.duration < 1000, `duration ${a.duration}`);
  assert.equal(a.upstream_service_time, 2);
  assert.equal(a.request_id, 'r-1');
  assert.equal(a.authority, 'a:8080');
  assert.equal(a.upstream_host, '127.0.0.1:9');
  assert.equal(a.upstream_cluster, 'outbound|8080||a.default.svc.cluster.local');
  assert.equal(a.upstream_local_address, '127.0.0.1:51000');
  assert.equal(a.downstream_local_address, '127.0.0.1:15001');
  assert.equal(a.downstream_remote_address, '127.0.0.1:40000');
  const b = JSON.parse(lines[1]!);
  assert.equal(b.response_flags, '-');
  assert.equal(b.upstream_host, null);
  assert.equal(b.upstream_cluster, null);
  assert.equal(b.downstream_remote_address, '[::1]');
  assert.equal(b.direction, 'inbound');
});

test('text: Envoy\'s default format string when none is given, "-" for what is not set', () => {
  const s = sink();
  const log = new AccessLog(s.out);
  log.configure({ enabled: true, format: 'text' });
  log.record(fullRecord());
  log.flush();
  const line = s.text();
  assert.ok(line.endsWith('\n'));
  const m = /^\[(\S+)\] "(\S+) (\S+) (\S+)" (\d+) (\S+) (\d+) (\d+) (\d+) (\S+) "([^"]*)" "(.*)" "([^"]*)" "([^"]*)" "([^"]*)"\n$/s.exec(line);
  assert.ok(m !== null, line);
  assert.deepEqual([m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]], ['2026-01-02T03:04:05.678Z', 'GET', '/x?"y"', 'HTTP/1.1', '503', 'UF', '0', '42']);
  // RESP(X-ENVOY-UPSTREAM-SERVICE-TIME): the upstream service time Envoy's router would have put there.
  assert.equal(m[10], '2');
  assert.deepEqual([m[11], m[13], m[14], m[15]], ['10.0.0.1', 'r-1', 'a:8080', '127.0.0.1:9']);

  const empty = newStreamInfo('inbound', '127.0.0.1');
  log.record({ request: { method: 'GET', authority: 'b', path: '/', scheme: 'http', headers: [], body: Body.empty(), info: empty }, info: empty, protocol: 'HTTP/1.1', bytesSent: 0, responseHeaders: [] });
  log.flush();
  const second = s.text().trimEnd().split('\n').at(-1)!;
  assert.match(second, / 0 - 0 0 \d+ - "-" "-" "-" "b" "-"$/);
});

test('text: a custom format with REQ alternatives and length limits, RESP, addresses; a newline is added', () => {
  const s = sink();
  const log = new AccessLog(s.out);
  log.configure({ enabled: true, format: 'text', textFormat: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %REQ(USER-AGENT):4% %RESP(X-B3)% %RESP(X-NONE)% %DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_LOCAL_ADDRESS% %ROUTE_NAME% %UPSTREAM_CLUSTER% %RESPONSE_CODE_DETAILS%' });
  assert.equal(log.enabled, true);
  log.record(fullRecord());
  log.flush();
  assert.equal(s.text(), '/x?"y" evil z - 127.0.0.1:40000 127.0.0.1 127.0.0.1:51000 default outbound|8080||a.default.svc.cluster.local upstream_connect_error\n');
});

test('configure: off until a config turns it on (Istio\'s default); off again when the field goes away', () => {
  const s = sink();
  const log = new AccessLog(s.out);
  log.record(fullRecord());
  log.configure({ enabled: false, format: 'json' });
  log.record(fullRecord());
  log.flush();
  assert.equal(s.text(), '');
  log.configure(JSON_ON);
  log.record(fullRecord());
  log.flush();
  assert.match(s.text(), /^\{"start_time":[^\n]*\n$/);
  log.configure(undefined);
  log.record(fullRecord());
  log.flush();
  assert.equal(s.text().split('\n').length, 2, 'nothing after the config dropped the field');
});

test('format strings: Envoy\'s default parses; unknown operators, bad headers and open operators are refused with where', () => {
  assert.ok('parts' in parseAccessLogFormat(ENVOY_DEFAULT_TEXT_FORMAT));
  const bad = (f: string): string => {
    const r = parseAccessLogFormat(f);
    assert.ok('error' in r, f);
    return r.error;
  };
  assert.match(bad('[%START_TIME%] %NOPE%'), /^at offset 15: unknown command operator %NOPE%; supported: START_TIME, /);
  assert.match(bad('%REQ(bad header)%'), /invalid header/);
  assert.match(bad('%START_TIME(%Y)%'), /unterminated|not supported/);
  assert.match(bad('100%'), /^at offset 3: unterminated command operator/);
  assert.match(bad('%REQ(A):0%'), /length limit/);
});

test('validateProxyConfig NACKs an access-log config the sidecar cannot run', () => {
  const base = { version: 'v', trustDomain: 'cluster.local', node: {}, inbound: { ports: [] }, clusters: [], virtualHosts: [] };
  assert.deepEqual(validateProxyConfig({ ...base, telemetry: { accessLog: { enabled: true, format: 'text', textFormat: '%REQ(:PATH)%' } } }), []);
  const problems = validateProxyConfig({ ...base, telemetry: { accessLog: { enabled: true, format: 'text', textFormat: '%WHAT%' } } });
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^telemetry\.accessLog\.textFormat: at offset 0: unknown command operator %WHAT%/);
  assert.match(validateProxyConfig({ ...base, telemetry: { accessLog: { enabled: true, format: 'text', textFormat: 42 } } }).join('\n'), /textFormat: not a string/);
});

test('batches: nothing written before 16 KiB or 100 ms; a synchronous sink gets every line intact while the buffer is reused', async () => {
  const chunks: string[] = [];
  const log = new AccessLog({ writesSynchronously: true, write: (c: Uint8Array) => { chunks.push(Buffer.from(c).toString('utf8')); } });
  log.configure(JSON_ON);
  log.record(fullRecord());
  assert.deepEqual(chunks, [], 'one line waits');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(chunks.length, 1, 'written after the flush interval');
  for (let i = 0; i < 200; i++) log.record(fullRecord());
  assert.ok(chunks.length >= 3, `a 16 KiB batch goes at once (${chunks.length} writes)`);
  log.flush();
  const lines = chunks.join('').trim().split('\n');
  assert.equal(lines.length, 201);
  for (const l of lines) assert.equal((JSON.parse(l) as { user_agent: string }).user_agent, 'evil "agent"\\\n');
});
