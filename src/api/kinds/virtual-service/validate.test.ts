import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, at, NETWORKING_VERSIONS, ORDER_SUBSETS, ROUTE_TO_ORDER, show, testdata, virtualService } from '../../test-support.ts';
import { validateBatch } from '../../analyze.ts';

/** Runs a VirtualService spec (with the order-service subsets defined) and returns its errors and warnings. */
function check(spec: unknown) {
  const r = apply([virtualService(spec), ORDER_SUBSETS]);
  return { errors: r.errors, warnings: r.warnings };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const { errors } = check(spec);
  const found = at(errors, path);
  assert.ok(found.some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(errors)}`);
}

function expectValid(spec: unknown): void {
  const { errors } = check(spec);
  assert.deepEqual(errors, [], show(errors));
}

const http = (route: Record<string, unknown>) => ({ hosts: ['order-service'], http: [route] });
const withMatch = (match: Record<string, unknown>) => http({ match: [match], route: ROUTE_TO_ORDER });

test('the seed canary VirtualService and DestinationRule load without errors or warnings in every apiVersion', () => {
  const canary = testdata('virtual-service', 'seed-canary.yaml');
  for (const version of NETWORKING_VERSIONS) {
    const text = canary.text.replaceAll('networking.istio.io/v1beta1', version);
    const r = validateBatch([{ name: canary.name, text }], [], 'apply');
    assert.deepEqual(r.errors, [], `${version}:\n${show(r.errors)}`);
    assert.deepEqual(r.warnings, [], `${version}:\n${show(r.warnings)}`);
    assert.equal(r.resources.length, 2);
    assert.ok(r.resources.every((res) => res.apiVersion === version));
  }
});

test('hosts: at least one, valid names, no "*" for the mesh, no duplicates', () => {
  expectError({ http: [{ route: ROUTE_TO_ORDER }] }, 'spec.hosts', /at least one host is required/);
  expectError({ hosts: [], http: [{ route: ROUTE_TO_ORDER }] }, 'spec.hosts', /at least one host is required/);
  expectError({ hosts: ['order_service'], http: [{ route: ROUTE_TO_ORDER }] }, 'spec.hosts[0]', /label "order_service" invalid/);
  expectError({ hosts: ['*'], http: [{ route: ROUTE_TO_ORDER }] }, 'spec.hosts[0]', /wildcard host \* is not allowed/);
  expectError({ hosts: ['a.example.com', '*.example.com'], http: [{ route: ROUTE_TO_ORDER }] }, 'spec.hosts[1]', /duplicate hosts/);
  expectValid({ hosts: ['order-service', 'order-service.shop', '*.example.com', '10.0.0.1'], http: [{ route: ROUTE_TO_ORDER }] });
});

test('a VirtualService routes something: http, tcp or tls', () => {
  expectError({ hosts: ['order-service'] }, 'spec', /http, tcp or tls must be provided/);
});

test('an HTTP route does exactly one of route, redirect, directResponse, delegate', () => {
  expectError(http({}), 'spec.http[0]', /route, redirect, directResponse or delegate is required/);
  expectError(http({ route: [] }), 'spec.http[0].route', /is required/);
  expectError(http({ route: ROUTE_TO_ORDER, redirect: { uri: '/x' } }), 'spec.http[0].redirect', /cannot have both route and redirect/);
  expectError(http({ directResponse: { status: 503 }, redirect: { uri: '/x' } }), 'spec.http[0].directResponse', /cannot have both redirect and directResponse/);
  expectError(http({ route: ROUTE_TO_ORDER, delegate: { name: 'reviews' } }), 'spec.http[0].delegate', /cannot have both route and delegate/);
  expectError(http({ redirect: { uri: '/x' }, fault: { abort: { httpStatus: 500 } } }), 'spec.http[0].fault', /both fault and redirect/);
  expectError(http({ directResponse: { status: 200 }, rewrite: { uri: '/x' } }), 'spec.http[0].rewrite', /both rewrite and directResponse/);
  expectError(http({ route: ROUTE_TO_ORDER, mirror: { host: 'a' }, mirrors: [{ destination: { host: 'b' } }] }), 'spec.http[0].mirrors', /both mirror and mirrors/);
  expectError(http({ delegate: {} }), 'spec.http[0].delegate.name', /needs the name/);
  expectValid(http({ redirect: { uri: '/new' } }));
  expectValid(http({ directResponse: { status: 503, body: { string: 'down' } } }));
  expectValid(http({ delegate: { name: 'reviews', namespace: 'shop' } }));
});

test('weights are non-negative and sum to 100 when several destinations or any weight is given', () => {
  const two = (a: number | undefined, b: number | undefined) => http({
    route: [
      { destination: { host: 'order-service', subset: 'v1' }, ...(a === undefined ? {} : { weight: a }) },
      { destination: { host: 'order-service', subset: 'v2' }, ...(b === undefined ? {} : { weight: b }) },
    ],
  });
  expectError(two(80, 10), 'spec.http[0].route[1].weight', /weights must sum to 100, but 80 \+ 10 = 90/);
  expectError(two(undefined, undefined), 'spec.http[0].route[1].weight', /2 destinations need weights that sum to 100; none is given/);
  expectError(two(110, -10), 'spec.http[0].route[1].weight', /weight -10 < 0/);
  expectError(http({ route: [{ destination: { host: 'order-service' }, weight: 50 }] }), 'spec.http[0].route[0].weight', /must sum to 100, but 50 = 50/);
  expectValid(two(90, 10));
  expectValid(two(100, 0));
  expectValid(http({ route: [{ destination: { host: 'order-service' } }] }));
  expectValid(http({ route: [{ destination: { host: 'order-service' }, weight: 100 }] }));
});

test('destinations name one service, a DNS-label subset and a port in range', () => {
  expectError(http({ route: [{ destination: { host: '*' } }] }), 'spec.http[0].route[0].destination.host', /invalid destination host \*/);
  expectError(http({ route: [{ destination: { host: 'a..b' } }] }), 'spec.http[0].route[0].destination.host', /invalid/);
  expectError(http({ route: [{ destination: { host: 'order-service', subset: 'v1.0' } }] }), 'spec.http[0].route[0].destination.subset', /subset name is invalid/);
  expectError(http({ route: [{ destination: { host: 'order-service', port: { number: 70000 } } }] }), 'spec.http[0].route[0].destination.port.number', /must be in the range 1\.\.65535/);
  expectError(http({ route: [{ destination: { host: 'order-service', port: {} } }] }), 'spec.http[0].route[0].destination.port.number', /port number 0/);
  expectValid(http({ route: [{ destination: { host: 'order-service.default.svc.cluster.local', subset: 'v1', port: { number: 8080 } } }] }));
});

test('a StringMatch has exactly one of exact, prefix, regex; {} means "present" only on headers and query parameters', () => {
  const m = 'spec.http[0].match[0]';
  expectError(withMatch({ uri: { exact: '/a', prefix: '/a' } }), `${m}.uri`, /only one of exact, prefix or regex/);
  expectError(withMatch({ uri: {} }), `${m}.uri`, /one of exact, prefix or regex is required/);
  expectError(withMatch({ method: { prefix: '' } }), `${m}.method.prefix`, /prefix string match should not be empty/);
  expectError(withMatch({ headers: { 'x-a': { prefix: '' } } }), `${m}.headers.x-a.prefix`, /should not be empty/);
  expectError(withMatch({ headers: { 'bad header': { exact: 'x' } } }), `${m}.headers["bad header"]`, /not a valid header name/);
  expectError(withMatch({ uri: { regex: '/a(' } }), `${m}.uri.regex`, /"uri": /);
  expectError(withMatch({ uri: { regex: '' } }), `${m}.uri.regex`, /should not be empty/);
  expectError(withMatch({ authority: { regex: '^(?!admin).*' } }), `${m}.authority.regex`, /lookahead and lookbehind are not RE2/);
  expectError(withMatch({ queryParams: { q: { regex: '(a)\\1' } } }), `${m}.queryParams.q.regex`, /backreferences are not RE2/);
  expectValid(withMatch({ headers: { 'x-canary': {} }, queryParams: { debug: {} }, withoutHeaders: { 'x-skip': { regex: '*' } } }));
  expectValid(withMatch({ uri: { prefix: '' }, method: { exact: 'GET' }, scheme: { exact: 'http' }, authority: { regex: '(?i)order-service(:8080)?' } }));
  expectValid(withMatch({ uri: { regex: '/users/(?P<id>[0-9]+)' }, headers: { ':authority': { prefix: 'order' } } }));
});

test('match blocks: port range, labels, gateways, source namespace', () => {
  const m = 'spec.http[0].match[0]';
  expectError(withMatch({ port: 65536 }), `${m}.port`, /must be in the range/);
  expectError(withMatch({ sourceLabels: { app: 'a b' } }), `${m}.sourceLabels.app`, /invalid label value/);
  expectError(withMatch({ sourceNamespace: 'Bad_NS' }), `${m}.sourceNamespace`, /sourceNamespace match Bad_NS is invalid/);
  expectError(withMatch({ gateways: ['istio-system/'] }), `${m}.gateways[0]`, /cannot be empty/);
  expectValid(withMatch({ port: 8080, sourceLabels: { app: 'api-gateway' }, sourceNamespace: 'default', gateways: ['mesh'], ignoreUriCase: true }));
});

test('routing on JWT claims needs a gateway', () => {
  expectError(withMatch({ headers: { '@request.auth.claims.group': { exact: 'admin' } } }), 'spec.http[0].match[0].headers["@request.auth.claims.group"]', /only supported for gateway/);
});

test('durations parse, are at least 1ms and have millisecond precision', () => {
  expectError(http({ route: ROUTE_TO_ORDER, timeout: '3' }), 'spec.http[0].timeout', /invalid duration "3"/);
  expectError(http({ route: ROUTE_TO_ORDER, timeout: '0.5ms' }), 'spec.http[0].timeout', /at least 1ms/);
  expectError(http({ route: ROUTE_TO_ORDER, timeout: '1.0005s' }), 'spec.http[0].timeout', /millisecond precision/);
  expectValid(http({ route: ROUTE_TO_ORDER, timeout: '1.5s' }));
  expectValid(http({ route: ROUTE_TO_ORDER, timeout: '1h30m' }));
});

test('retries: attempts ≥ 0, nothing else when attempts is 0, retryOn from the known set or status codes', () => {
  const r = (retries: unknown) => http({ route: ROUTE_TO_ORDER, retries });
  expectError(r({ attempts: -1 }), 'spec.http[0].retries.attempts', /cannot be negative/);
  expectError(r({ retryOn: '5xx' }), 'spec.http[0].retries.attempts', /attempts are set to 0/);
  expectError(r({ attempts: 2, retryOn: '5xx,bogus' }), 'spec.http[0].retries.retryOn', /"bogus" is not a valid retryOn policy/);
  expectError(r({ attempts: 2, perTryTimeout: 'soon' }), 'spec.http[0].retries.perTryTimeout', /invalid duration/);
  expectValid(r({ attempts: 3, perTryTimeout: '1s', retryOn: '5xx,reset,connect-failure,refused-stream,503,retriable-status-codes', backoff: '25ms', retryIgnorePreviousHosts: true }));
  expectValid(r({ attempts: 0 }));
});

test('fault injection: abort and/or delay, percentages 0..100, statuses 200..599', () => {
  const f = (fault: unknown) => http({ route: ROUTE_TO_ORDER, fault });
  expectError(f({}), 'spec.http[0].fault', /must have an abort and\/or a delay/);
  expectError(f({ abort: { httpStatus: 600 } }), 'spec.http[0].fault.abort.httpStatus', /not in range 200-599/);
  expectError(f({ abort: { httpStatus: 199 } }), 'spec.http[0].fault.abort.httpStatus', /not in range 200-599/);
  expectError(f({ abort: { httpStatus: 503, percentage: { value: 150 } } }), 'spec.http[0].fault.abort.percentage.value', /neither 0\.0, nor in range/);
  expectError(f({ delay: { fixedDelay: '1s', percent: 101 } }), 'spec.http[0].fault.delay.percent', /not in range 0\.\.100/);
  expectError(f({ abort: { grpcStatus: 'BROKEN' } }), 'spec.http[0].fault.abort.grpcStatus', /not supported/);
  expectError(f({ delay: { fixedDelay: '5x' } }), 'spec.http[0].fault.delay.fixedDelay', /invalid duration/);
  expectValid(f({ delay: { fixedDelay: '5s', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 5 } } }));
});

test('redirect, direct response, rewrite, mirror and CORS values', () => {
  expectError(http({ redirect: {} }), 'spec.http[0].redirect', /must specify URI, authority, scheme, or port/);
  expectError(http({ redirect: { uri: '/x', redirectCode: 200 } }), 'spec.http[0].redirect.redirectCode', /must be 3xx/);
  expectError(http({ redirect: { scheme: 'ftp' } }), 'spec.http[0].redirect.scheme', /must be "http" or "https"/);
  expectError(http({ directResponse: { status: 700 } }), 'spec.http[0].directResponse.status', /not in range 200-599/);
  expectError(http({ directResponse: { status: 200, body: { bytes: 'not base64!' } } }), 'spec.http[0].directResponse.body.bytes', /base64/);
  expectError(http({ route: ROUTE_TO_ORDER, rewrite: {} }), 'spec.http[0].rewrite', /must specify at least one/);
  expectError(http({ route: ROUTE_TO_ORDER, rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } }), 'spec.http[0].rewrite', /only contain one of URI or UriRegexRewrite/);
  expectError(http({ route: ROUTE_TO_ORDER, rewrite: { authority: 'a' }, headers: { request: { set: { host: 'b' } } } }), 'spec.http[0].headers', /authority header cannot be set multiple times/);
  expectError(http({ route: ROUTE_TO_ORDER, mirror: { host: 'shadow' }, mirrorPercentage: { value: 101 } }), 'spec.http[0].mirrorPercentage.value', /0\.\.100/);
  expectError(http({ route: ROUTE_TO_ORDER, corsPolicy: { allowMethods: ['FETCH'] } }), 'spec.http[0].corsPolicy.allowMethods[0]', /not a supported HTTP method/);
  expectError(http({ route: ROUTE_TO_ORDER, corsPolicy: { maxAge: '1500ms' } }), 'spec.http[0].corsPolicy.maxAge', /seconds precision/);
  expectError(http({ route: ROUTE_TO_ORDER, headers: { response: { set: { ':status': '200' } } } }), 'spec.http[0].headers.response.set[":status"]', /cannot have ":" prefix/);
  expectError(http({ route: ROUTE_TO_ORDER, headers: { request: { add: { 'x-a': '50%' } } } }), 'spec.http[0].headers.request.add.x-a', /literal "%"/);
  expectValid(http({
    route: ROUTE_TO_ORDER,
    rewrite: { uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/\\1' } },
    mirror: { host: 'shadow' },
    mirrorPercentage: { value: 0.5 },
    corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-a'], maxAge: '24h' },
    headers: { request: { set: { 'x-b': '%DOWNSTREAM_REMOTE_ADDRESS%' }, remove: ['x-c'] }, response: { add: { 'x-d': '100%%' } } },
  }));
});

test('tcp and tls routes: a route is required, SNI hosts belong to the VirtualService hosts', () => {
  expectError({ hosts: ['order-service'], tcp: [{ match: [{ port: 5432 }] }] }, 'spec.tcp[0].route', /TCP route is required/);
  expectError({ hosts: ['order-service'], tcp: [{ match: [{ destinationSubnets: ['10.0.0.0/33'] }], route: ROUTE_TO_ORDER }] }, 'spec.tcp[0].match[0].destinationSubnets[0]', /not a valid CIDR block/);
  expectError({ hosts: ['*.example.com'], tls: [{ match: [{ sniHosts: ['other.org'] }], route: ROUTE_TO_ORDER }] }, 'spec.tls[0].match[0].sniHosts[0]', /not a compatible subset/);
  expectError({ hosts: ['a.example.com'], tls: [{ match: [], route: ROUTE_TO_ORDER }] }, 'spec.tls[0].match', /at least one match/);
  expectValid({ hosts: ['*.example.com'], tls: [{ match: [{ sniHosts: ['a.example.com'], port: 443 }], route: ROUTE_TO_ORDER }], tcp: [{ route: ROUTE_TO_ORDER }] });
});

test('exportTo: ".", "*" or namespaces, no duplicates, "*" alone', () => {
  expectError({ hosts: ['order-service'], http: [{ route: ROUTE_TO_ORDER }], exportTo: ['default', '.'] }, 'spec.exportTo[1]', /duplicate entries in exportTo: \. and current namespace default/);
  expectError({ hosts: ['order-service'], http: [{ route: ROUTE_TO_ORDER }], exportTo: ['*', 'shop'] }, 'spec.exportTo', /both public \(\*\) and non-public/);
  expectError({ hosts: ['order-service'], http: [{ route: ROUTE_TO_ORDER }], exportTo: ['Shop'] }, 'spec.exportTo[0]', /must be "\.", "\*" or a namespace name/);
});

test('rules after a catch-all, and repeated matches, are warned about', () => {
  const { errors, warnings } = check({
    hosts: ['order-service'],
    http: [
      { match: [{ uri: { prefix: '/a' } }], route: ROUTE_TO_ORDER },
      { match: [{ name: 'again', uri: { prefix: '/a' } }], route: ROUTE_TO_ORDER },
      { route: ROUTE_TO_ORDER },
      { name: 'late', match: [{ uri: { prefix: '/b' } }], route: ROUTE_TO_ORDER },
    ],
  });
  assert.deepEqual(errors, []);
  assert.match(at(warnings, 'spec.http[1].match[0]')[0]?.message ?? '', /match #0 is not used \(duplicate match in rule #0\)/);
  assert.match(at(warnings, 'spec.http[3]')[0]?.message ?? '', /rule "late" not used \(route without matches defined before/);
});

test('resilience fields: enforced ones draw no warning; a missing fault percentage, unimplemented retry conditions, gRPC aborts and remote localities do', () => {
  const quiet = check(http({
    route: ROUTE_TO_ORDER,
    timeout: '2s',
    retries: { attempts: 2, perTryTimeout: '500ms', retryOn: '5xx,gateway-error,503,unavailable', backoff: '50ms', retryIgnorePreviousHosts: false, retryRemoteLocalities: false },
    fault: { delay: { fixedDelay: '1s', percentage: { value: 1 } }, abort: { httpStatus: 500, percentage: { value: 2 } } },
    mirror: { host: 'order-service', subset: 'v2' },
    mirrorPercentage: { value: 10 },
  }));
  assert.deepEqual(quiet.errors, []);
  assert.deepEqual(quiet.warnings, [], show(quiet.warnings));

  const noPercent = check(http({ route: ROUTE_TO_ORDER, fault: { abort: { httpStatus: 503 }, delay: { fixedDelay: '1s' } } }));
  assert.match(at(noPercent.warnings, 'spec.http[0].fault.abort')[0]?.message ?? '', /no percentage, so it aborts no request \(Istio treats an absent percentage as 0%\)/);
  assert.match(at(noPercent.warnings, 'spec.http[0].fault.delay')[0]?.message ?? '', /no percentage, so it delays no request/);
  assert.deepEqual(check(http({ route: ROUTE_TO_ORDER, fault: { delay: { fixedDelay: '1s', percent: 5 } } })).warnings.filter((w) => /no percentage/.test(w.message)), []);

  const odd = check(http({ route: ROUTE_TO_ORDER, retries: { attempts: 2, retryOn: '5xx,envoy-ratelimited', retryRemoteLocalities: true }, fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 1 } } } }));
  assert.deepEqual(odd.errors, []);
  assert.match(at(odd.warnings, 'spec.http[0].retries.retryOn')[0]?.message ?? '', /"5xx,envoy-ratelimited" is accepted but not yet enforced.*envoy-ratelimited/);
  assert.match(at(odd.warnings, 'spec.http[0].retries.retryRemoteLocalities')[0]?.message ?? '', /no localities/);
  assert.match(at(odd.warnings, 'spec.http[0].fault.abort.grpcStatus')[0]?.message ?? '', /no gRPC/);
});
