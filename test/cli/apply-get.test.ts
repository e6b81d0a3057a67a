// `weft apply`, `get`, `delete` and `proxy-status` as real processes against a real control plane: kubectl's output, all-or-nothing, exit codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { CANARY, FIXTURES, nothingThere, startTestControlPlane, weft, type TestControlPlane } from './harness.ts';

let tcp: TestControlPlane;
let env: Record<string, string>;
before(async () => {
  tcp = await startTestControlPlane();
  env = { WEFT_CONTROL_PLANE: tcp.url };
});
after(async () => { await tcp.close(); });

test('apply the seed\'s canary: created, then unchanged, then configured', async () => {
  const first = await weft(['apply', '-f', CANARY], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'virtualservice.networking.istio.io/order-service created\ndestinationrule.networking.istio.io/order-service created\n');
  const again = await weft(['apply', '-f', CANARY], { env });
  assert.equal(again.stdout, 'virtualservice.networking.istio.io/order-service unchanged\ndestinationrule.networking.istio.io/order-service unchanged\n');
  const fiftyFifty = (await readFile(CANARY, 'utf8')).replace('weight: 90   #', 'weight: 50   #').replace('weight: 10   #', 'weight: 50   #');
  const edited = await weft(['apply', '-f', '-'], { env, input: fiftyFifty });
  assert.equal(edited.code, 0, edited.stderr);
  assert.equal(edited.stdout, 'virtualservice.networking.istio.io/order-service configured\ndestinationrule.networking.istio.io/order-service unchanged\n');
  const restored = await weft(['apply', '-f', CANARY], { env });
  assert.match(restored.stdout, /order-service configured/);
});

test('an apply with any error changes nothing and says what to do', async () => {
  // dr-only.yaml alone is valid: it must not be stored either.
  const r = await weft(['apply', '-f', join(FIXTURES, 'dr-only.yaml'), '-f', join(FIXTURES, 'unknown-field.yaml')], { env });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: .*unknown-field\.yaml:9:5 spec\.http\[0\]\.rout: unknown field "rout" \(did you mean "route"\?\)$/m);
  assert.match(r.stderr, /^error: nothing was applied: fix the error above and run `weft apply -f .*dr-only\.yaml -f .*unknown-field\.yaml` again$/m);
  const stored = await weft(['get', 'dr', 'user-service'], { env });
  assert.equal(stored.code, 4);
  const weights = await weft(['apply', '-f', join(FIXTURES, 'bad-weights.yaml')], { env });
  assert.equal(weights.code, 1);
  assert.match(weights.stderr, /^error: .*bad-weights\.yaml:18:7 spec\.http\[0\]\.route\[1\]\.weight: weights must sum to 100, but 80 \+ 10 = 90$/m);
  const vs = JSON.parse((await weft(['get', 'vs', 'order-service', '-o', 'json'], { env })).stdout) as { spec: { http: { route: { weight: number }[] }[] } };
  assert.deepEqual(vs.spec.http[1]!.route.map((d) => d.weight), [90, 10]);
});

test('get: tables by every kind spelling, YAML that applies back unchanged, JSON lists', async () => {
  for (const kind of ['vs', 'virtualservices', 'VirtualService', 'virtualservice.networking.istio.io']) {
    const r = await weft(['get', kind], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'NAME            GATEWAYS   HOSTS\norder-service   []         ["order-service"]\n', kind);
  }
  const dr = await weft(['get', 'dr', '-A'], { env });
  assert.equal(dr.stdout, 'NAMESPACE   NAME            HOST            SUBSETS\ndefault     order-service   order-service   v1,v2\n');
  const yaml = await weft(['get', 'vs', '-o', 'yaml'], { env });
  const back = await weft(['apply', '-f', '-'], { env, input: yaml.stdout });
  assert.equal(back.stdout, 'virtualservice.networking.istio.io/order-service unchanged\n');
  const list = JSON.parse((await weft(['get', 'dr', '-o', 'json'], { env })).stdout) as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((i) => i.metadata.name), ['order-service']);
  const other = await weft(['get', 'vs', '-n', 'shop'], { env });
  assert.equal(other.code, 0);
  assert.equal(other.stderr, 'No resources found in shop namespace.\n');
});

test('get NAME that does not exist: exit 4', async () => {
  const r = await weft(['get', 'dr', 'nope'], { env });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /^error: destinationrules\.networking\.istio\.io "nope" not found$/m);
});

test('proxy-status and get workloads with nothing running', async () => {
  const ps = await weft(['proxy-status'], { env });
  assert.equal(ps.code, 0);
  assert.match(ps.stderr, /No proxies connected/);
  const wl = await weft(['get', 'workloads'], { env });
  assert.equal(wl.code, 0);
  assert.match(wl.stderr, /No resources found/);
});

test('delete -f: deleted, then not found (exit 4) unless --ignore-not-found', async () => {
  const r = await weft(['delete', '-f', CANARY], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'virtualservice.networking.istio.io "order-service" deleted\ndestinationrule.networking.istio.io "order-service" deleted\n');
  const again = await weft(['delete', '-f', CANARY], { env });
  assert.equal(again.code, 4);
  assert.match(again.stderr, /^Error from server \(NotFound\): virtualservice\.networking\.istio\.io "order-service" not found$/m);
  const ignored = await weft(['delete', '-f', CANARY, '--ignore-not-found'], { env });
  assert.equal(ignored.code, 0, ignored.stderr);
});

test('no control plane: exit 3 and how to start one', async () => {
  const dead = await nothingThere();
  for (const args of [['apply', '-f', CANARY], ['get', 'vs'], ['proxy-status'], ['delete', '-f', CANARY]]) {
    const r = await weft(args, { env: { WEFT_CONTROL_PLANE: dead } });
    assert.equal(r.code, 3, args.join(' '));
    assert.ok(r.stderr.startsWith(`error: cannot reach the control plane at ${dead}\n  start one with \`weft control-plane\` or set WEFT_CONTROL_PLANE`), `${args.join(' ')}\n${r.stderr}`);
  }
});
