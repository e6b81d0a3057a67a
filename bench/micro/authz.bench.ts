// node bench/micro/authz.bench.ts [samples]
// The authorization stage's own cost per request (issue 4's target: under 0.05 ms at the median),
// with ten AuthorizationPolicies of several rules each applying to one workload (3 DENY, 7 ALLOW:
// principals, namespaces, IP blocks, hosts, ports, methods, paths in every string form, headers,
// not-forms), in-process. Four request shapes, each timed alone and in a rotating mix:
//   allowed-first  order-service POST /payments/123: matches the first ALLOW rule looked at
//   allowed-last   a caller only the last rule of the last ALLOW policy lets in (every other rule fails first)
//   denied-deny    GET /admin/…: refused by a DENY rule (the deny list is walked, the allow list is not)
//   denied-none    a caller no rule lets in: every rule of every policy is evaluated (the worst case)
// Each sample times a batch of BATCH decisions on performance.now() and divides; the figure is the
// median of the samples, in µs. "stage" is the whole inbound layer (decision + the promise to the next
// stage) minus the same chain without the layer.
import { cpus, loadavg } from 'node:os';
import type { AuthzCheck, AuthzPolicy, AuthzRule, AuthzStringMatch, InboundAuthorization } from '../../src/model/proxy-config.ts';
import { Body } from '../../src/proxy/http/body.ts';
import { newStreamInfo, type HttpRequest, type HttpResponse, type Service } from '../../src/proxy/http/message.ts';
import { authorizationLayer, buildAuthorizer } from '../../src/proxy/filters/authorization.ts';

const samples = Number(process.argv[2] ?? 200);
const BATCH = 1_000;

const exact = (value: string): AuthzStringMatch => ({ kind: 'exact', value });
const prefix = (value: string): AuthzStringMatch => ({ kind: 'prefix', value });
const suffix = (value: string): AuthzStringMatch => ({ kind: 'suffix', value });
const principal = (...values: AuthzStringMatch[]): AuthzCheck => ({ attribute: 'source.principal', values, negate: false });
const namespace = (...values: AuthzStringMatch[]): AuthzCheck => ({ attribute: 'source.namespace', values, negate: false });
const method = (...m: string[]): AuthzCheck => ({ attribute: 'request.method', values: m.map(exact), negate: false });
const path = (...values: AuthzStringMatch[]): AuthzCheck => ({ attribute: 'request.path', values, negate: false });
const notPath = (...values: AuthzStringMatch[]): AuthzCheck => ({ attribute: 'request.path', values, negate: true });
const header = (name: string, ...values: AuthzStringMatch[]): AuthzCheck => ({ attribute: 'request.header', header: name, values, negate: false });
const rule = (p: Partial<AuthzRule>): AuthzRule => ({ from: [], to: [], when: [], ...p });
const policy = (name: string, rules: AuthzRule[]): AuthzPolicy => ({ name: `ns[default]-policy[${name}]`, rules });

const deny: AuthzPolicy[] = [
  policy('deny-admin', [
    rule({ to: [[path(prefix('/admin'))]] }),
    rule({ to: [[method('DELETE', 'PATCH'), path(prefix('/payments/'))]] }),
    rule({ from: [[{ attribute: 'source.ip', cidrs: ['10.66.0.0/16', '192.168.200.0/24'], negate: false }]] }),
  ]),
  policy('deny-banned', [
    rule({ from: [[principal(exact('cluster.local/ns/default/sa/banned'), suffix('/sa/legacy'))]] }),
    rule({ from: [[namespace(exact('sandbox'), prefix('tmp-'))]] }),
    rule({ when: [header('x-debug', exact('true'))] }),
  ]),
  policy('deny-hosts', [
    rule({ to: [[{ attribute: 'request.host', values: [suffix('.internal'), prefix('admin.')], negate: false }]] }),
    rule({ to: [[{ attribute: 'destination.port', ports: [9090, 15000], negate: false }]] }),
    rule({ when: [{ attribute: 'absent', key: 'request.auth.claims[role]', values: [exact('blocked')], negate: false }] }),
  ]),
];

const allow: AuthzPolicy[] = [
  policy('payments', [
    rule({ from: [[principal(exact('cluster.local/ns/default/sa/order-service'))]], to: [[method('POST'), path(prefix('/payments/'))]] }),
    rule({ from: [[principal(exact('cluster.local/ns/default/sa/billing'))]], to: [[method('GET'), path(prefix('/payments/'), suffix('.pdf'))]] }),
    rule({ from: [[principal(exact('cluster.local/ns/default/sa/refunds'))]], to: [[method('POST'), path(exact('/refunds'))]] }),
  ]),
  policy('reports', [
    rule({ from: [[namespace(exact('analytics'))]], to: [[method('GET'), path(prefix('/reports/'))]] }),
    rule({ from: [[namespace(exact('finance'))], [namespace(exact('audit'))]], to: [[method('GET', 'HEAD')]] }),
    rule({ from: [[principal(prefix('cluster.local/ns/ops/'))]], to: [[path(exact('/reports/daily'), exact('/reports/weekly'))]] }),
  ]),
  policy('health', [
    rule({ to: [[path(exact('/healthz'), exact('/readyz'))]] }),
    rule({ to: [[path(exact('/metrics'))]], from: [[namespace(exact('monitoring'))]] }),
  ]),
  policy('partners', [
    rule({ from: [[{ attribute: 'source.ip', cidrs: ['203.0.113.0/24', '198.51.100.0/24'], negate: false }]], to: [[path(prefix('/partner/'))]] }),
    rule({ when: [header('x-partner-key', exact('k-1'), exact('k-2'), exact('k-3'))], to: [[path(prefix('/partner/'))]] }),
    rule({ from: [[principal(suffix('/sa/partner-gateway'))]] }),
  ]),
  policy('api-v2', [
    rule({ from: [[namespace(exact('default'))]], to: [[path(prefix('/api/v2/')), method('GET')]], when: [header('x-api-version', exact('2'))] }),
    rule({ from: [[namespace(exact('default'))]], to: [[notPath(prefix('/api/v2/internal/')), path(prefix('/api/v2/'))]], when: [header('x-tenant', prefix('acme-'))] }),
    rule({ to: [[{ attribute: 'request.host', values: [exact('payment-service'), suffix('.svc.cluster.local')], negate: false }, path(exact('/api/v2/status'))]] }),
  ]),
  policy('batch', [
    rule({ from: [[principal(exact('cluster.local/ns/batch/sa/nightly'))]], to: [[method('POST'), path(prefix('/batch/'))]] }),
    rule({ from: [[principal(exact('cluster.local/ns/batch/sa/hourly'))]], to: [[method('POST'), path(prefix('/batch/hourly/'))]] }),
    rule({ from: [[principal(exact('cluster.local/ns/batch/sa/replay'))]], when: [header('x-replay', exact('yes'))] }),
  ]),
  policy('users', [
    rule({ from: [[principal(exact('cluster.local/ns/default/sa/admin-ui'))]], to: [[path(prefix('/users/'))]] }),
    rule({ from: [[namespace(exact('support'))]], to: [[method('GET'), path(prefix('/users/'))]] }),
    rule({ from: [[principal(exact('cluster.local/ns/default/sa/user-service'))]], to: [[method('GET'), path(prefix('/api/v1/users/'))]], when: [header('x-user-token', prefix('ut-'))] }),
  ]),
];

const config: InboundAuthorization = { deny, allow, audit: [], destinationIp: '127.0.0.1' };
const ctx = { ports: [8080] };

function request(m: string, p: string, peer: string, extra: string[] = []): HttpRequest {
  const info = newStreamInfo('inbound', '127.0.0.1');
  info.peerIdentity = peer;
  return {
    method: m, authority: 'payment-service:8080', path: p, scheme: 'http',
    headers: ['host', 'payment-service:8080', 'user-agent', 'wrk', 'accept', '*/*', 'x-request-id', 'f3c1', 'x-forwarded-proto', 'http', ...extra],
    body: Body.empty(), info,
  };
}

const shapes: [string, HttpRequest, boolean][] = [
  ['allowed-first', request('POST', '/payments/123', 'spiffe://cluster.local/ns/default/sa/order-service', ['content-length', '12']), true],
  ['allowed-last', request('GET', '/api/v1/users/7?fields=name', 'spiffe://cluster.local/ns/default/sa/user-service', ['x-user-token', 'ut-42']), true],
  ['denied-deny', request('GET', '/admin/users', 'spiffe://cluster.local/ns/default/sa/order-service'), false],
  ['denied-none', request('GET', '/api/v1/users/7', 'spiffe://cluster.local/ns/default/sa/stranger', ['x-user-token', 'ut-42']), false],
];

const authorizer = buildAuthorizer(config, ctx);
for (const [name, req, allowed] of shapes) {
  if ((authorizer.decide(req) === null) !== allowed) throw new Error(`${name}: wrong decision, the benchmark's policies are broken`);
}

/** µs per decision: median over `samples` batches of BATCH calls. */
function timeDecide(reqs: readonly HttpRequest[]): number {
  const out: number[] = [];
  let sink = 0;
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) if (authorizer.decide(reqs[i % reqs.length]!) === null) sink++;
    out.push(((performance.now() - t0) * 1_000) / BATCH);
  }
  if (sink < 0) console.log(sink);
  return median(out);
}

const ok: HttpResponse = { status: 200, headers: [], body: Body.empty() };
const terminal: Service = () => Promise.resolve(ok);
const stage = authorizationLayer(config, ctx)(terminal);

/** µs per request through `svc` (awaiting each, refusals caught), median over batches. */
async function timeService(svc: Service, reqs: readonly HttpRequest[]): Promise<number> {
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) {
      try { await svc(reqs[i % reqs.length]!); } catch { /* a refusal */ }
    }
    out.push(((performance.now() - t0) * 1_000) / BATCH);
  }
  return median(out);
}

function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

// Warm-up: let the JIT settle on every shape.
for (let i = 0; i < 200_000; i++) authorizer.decide(shapes[i % shapes.length]![1]);

const rules = [...deny, ...allow].reduce((n, p) => n + p.rules.length, 0);
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${deny.length + allow.length} policies (${deny.length} DENY, ${allow.length} ALLOW), ${rules} rules; ${samples} samples × ${BATCH} decisions; µs per request, median of samples`);
const mix = shapes.map((s) => s[1]);
for (const [name, req] of shapes) console.log(`decide  ${name.padEnd(14)} ${timeDecide([req]).toFixed(3)} µs`);
console.log(`decide  ${'mix of the 4'.padEnd(14)} ${timeDecide(mix).toFixed(3)} µs`);
const withStage = await timeService(stage, mix);
const without = await timeService(terminal, mix);
console.log(`stage   ${'mix of the 4'.padEnd(14)} ${(withStage - without).toFixed(3)} µs (layer ${withStage.toFixed(3)} µs − bare terminal ${without.toFixed(3)} µs)`);
console.log(`target: < 50 µs (0.05 ms) at the median`);
