import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSources } from './load.ts';
import { at, show } from './test-support.ts';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: order-service
spec:
  hosts: [order-service]
  http:
  - route:
    - destination: {host: order-service, subset: v1}
      weight: 90
    - destination: {host: order-service, subset: v2}
      weight: 10
`;

test('multi-document YAML: empty and comment-only documents are skipped, origins are kept', () => {
  const text = `---\n# nothing here\n---\n${VS}---\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: order-service, namespace: shop}\nspec: {host: order-service}\n`;
  const r = loadSources([{ name: 'a.yaml', text }]);
  assert.deepEqual(r.errors, [], show(r.errors));
  assert.equal(r.resources.length, 2);
  const [vs, dr] = r.resources;
  assert.equal(vs!.resource.kind, 'VirtualService');
  assert.equal(vs!.resource.metadata.namespace, 'default', 'namespace defaults to "default"');
  assert.equal(vs!.resource.apiVersion, 'networking.istio.io/v1', 'the apiVersion is kept as written');
  assert.equal(vs!.origin.file, 'a.yaml');
  assert.equal(vs!.origin.line, 4);
  assert.deepEqual(vs!.origin.locate(['spec', 'http', 0, 'route', 1, 'weight']), { line: 15, column: 7 });
  assert.deepEqual(vs!.origin.locate(['spec', 'http', 0, 'route', 1, 'destination', 'subset']), { line: 14, column: 42 });
  // A path that does not exist lands on its nearest existing ancestor.
  assert.deepEqual(vs!.origin.locate(['spec', 'http', 0, 'timeout']), { line: 11, column: 5 });
  assert.equal(dr!.resource.metadata.namespace, 'shop');
  assert.equal(dr!.origin.line, 18);
});

test('a kind: List is unpacked and its items are located under items[i]', () => {
  const text = `apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1beta1
  kind: DestinationRule
  metadata: {name: a}
  spec: {host: a}
- apiVersion: networking.istio.io/v1beta1
  kind: DestinationRule
  metadata: {name: b}
  spec: {host: b, subsetz: []}
`;
  const r = loadSources([{ name: 'list.yaml', text }]);
  assert.equal(r.resources.length, 1);
  assert.equal(r.resources[0]!.origin.line, 4);
  const [e] = at(r.errors, 'items[1].spec.subsetz');
  assert.ok(e, show(r.errors));
  assert.equal(e.line, 11);
  assert.match(e.message, /unknown field "subsetz" \(did you mean "subsets"\?\)/);
  assert.equal(e.resource, 'DestinationRule/default/b');
});

test('malformed YAML is an error with the file and line, and loads nothing from that document', () => {
  const text = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: x\nspec:\n  hosts: [x\n  http: []\n';
  const r = loadSources([{ name: 'bad.yaml', text }]);
  assert.equal(r.resources.length, 0);
  assert.equal(r.errors.length, 1, show(r.errors));
  const [e] = r.errors;
  assert.equal(e!.file, 'bad.yaml');
  assert.ok(e!.line >= 6 && e!.line <= 7, `line ${e!.line}`);
  assert.match(e!.message, /^malformed YAML: /);
});

test('duplicate keys are malformed YAML', () => {
  const r = loadSources([{ name: 'dup.yaml', text: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: a}\nspec: {host: b}\n' }]);
  assert.equal(r.resources.length, 0);
  assert.match(r.errors[0]!.message, /unique/);
  assert.equal(r.errors[0]!.line, 5);
});

test('unknown kinds and apiVersions are errors that list what is supported', () => {
  const r = loadSources([{
    name: 'k.yaml',
    text: [
      'apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: a}\nspec: {}\n',
      'apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: a}\nspec: {}\n',
      'apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: a}\nspec: {}\n',
      'apiVersion: security.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: a}\n',
    ].join('---\n'),
  }]);
  assert.equal(r.resources.length, 0);
  assert.equal(r.errors.length, 4, show(r.errors));
  const [unknown, unsupported, version, group] = r.errors;
  assert.equal(unknown!.path, 'kind');
  assert.equal(unknown!.line, 2);
  assert.match(unknown!.message, /unknown kind "VirtualServce"; supported kinds: VirtualService, DestinationRule \(networking\.istio\.io\/v1alpha3, v1beta1, v1\)/);
  assert.match(unsupported!.message, /does not support RequestAuthentication \(security\.istio\.io\) yet/);
  assert.equal(version!.path, 'apiVersion');
  assert.match(version!.message, /supported: networking\.istio\.io\/v1alpha3, networking\.istio\.io\/v1beta1, networking\.istio\.io\/v1/);
  assert.equal(group!.path, 'apiVersion');
});

test('a document must be a mapping with apiVersion and kind', () => {
  const r = loadSources([{ name: 'x.yaml', text: '- a\n- b\n---\nkind: VirtualService\nmetadata: {name: a}\n' }]);
  assert.equal(r.errors.length, 2, show(r.errors));
  assert.match(r.errors[0]!.message, /must be a YAML mapping/);
  assert.equal(r.errors[1]!.path, 'apiVersion');
});

test('wrong types, bad enum values and missing required fields name their path', () => {
  const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a}
spec:
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBBIN}
    connectionPool: {tcp: {maxConnections: "100"}}
  subsets:
  - labels: {version: v1}
  - name: v2
    labels: {version: 2}
`;
  const r = loadSources([{ name: 't.yaml', text }]);
  const msg = (p: string): string => at(r.errors, p).map((e) => e.message).join(' | ');
  assert.match(msg('spec.host'), /required field is missing/);
  assert.match(msg('spec.trafficPolicy.loadBalancer.simple'), /must be one of UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST; got the string "ROUND_ROBBIN"/);
  assert.match(msg('spec.trafficPolicy.connectionPool.tcp.maxConnections'), /expected an integer, got the string "100"/);
  assert.match(msg('spec.subsets[0].name'), /required field is missing/);
  assert.match(msg('spec.subsets[1].labels.version'), /expected a string, got 2/);
  assert.equal(at(r.errors, 'spec.subsets[1].labels.version')[0]!.line, 11);
  assert.equal(at(r.errors, 'spec.host')[0]!.line, 4, 'a missing field is reported at its parent');
});

test('integers: fractions and out-of-range values are rejected by the schema', () => {
  const text = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {host: a, port: {number: -1}}\n      weight: 1.5\n';
  const r = loadSources([{ name: 'i.yaml', text }]);
  assert.match(at(r.errors, 'spec.http[0].route[0].weight')[0]!.message, /expected an integer/);
  assert.match(at(r.errors, 'spec.http[0].route[0].destination.port.number')[0]!.message, /must be ≥ 0/);
});

test('metadata: name is required and must be a DNS-1123 subdomain; namespace a DNS label', () => {
  const docs = [
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {namespace: default}\nspec: {host: a}\n',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: Order_Service}\nspec: {host: a}\n',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ok, namespace: "shop.eu"}\nspec: {host: a}\n',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: order.service-1}\nspec: {host: a}\n',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ok2, labels: {"bad key!": x}}\nspec: {host: a}\n',
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ok3, owner: me}\nspec: {host: a}\n',
  ];
  const r = loadSources([{ name: 'm.yaml', text: docs.join('---\n') }]);
  assert.deepEqual(r.resources.map((x) => x.resource.metadata.name), ['order.service-1']);
  assert.match(at(r.errors, 'metadata.name')[0]!.message, /required/);
  assert.match(at(r.errors, 'metadata.name')[1]!.message, /invalid name "Order_Service"/);
  assert.match(at(r.errors, 'metadata.namespace')[0]!.message, /invalid namespace "shop\.eu"/);
  assert.match(at(r.errors, 'metadata.labels["bad key!"]')[0]!.message, /invalid label key/);
  assert.match(at(r.errors, 'metadata.owner')[0]!.message, /unknown field "owner"/);
});

test('kubectl get -o yaml output loads: server-written metadata and status draw warnings', () => {
  const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: a
  namespace: default
  uid: 1234
  resourceVersion: "42"
  creationTimestamp: "2024-01-01T00:00:00Z"
spec: {host: a}
status: {}
`;
  const r = loadSources([{ name: 'get.yaml', text }]);
  assert.deepEqual(r.errors, []);
  assert.equal(r.resources.length, 1);
  assert.deepEqual(Object.keys(r.resources[0]!.resource.metadata), ['name', 'namespace']);
  assert.deepEqual(r.warnings.map((w) => w.path).sort(), ['metadata.creationTimestamp', 'metadata.resourceVersion', 'metadata.uid', 'status']);
});

test('for a delete only the envelope is read: a spec that no longer validates can still be deleted', () => {
  const text = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {hosts: 5, whatever: true}\n';
  assert.equal(loadSources([{ name: 'd.yaml', text }]).resources.length, 0);
  const r = loadSources([{ name: 'd.yaml', text }], { specs: false });
  assert.deepEqual(r.errors, []);
  assert.equal(r.resources[0]!.resource.metadata.name, 'a');
});

test('aliases may not blow a document up', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`);
  const r = loadSources([{ name: 'bomb.yaml', text: `${lines.join('\n')}\n` }]);
  assert.equal(r.resources.length, 0);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /malformed YAML: .*alias/i);
});
