// Argument parsing of the whole command tree: help and examples, usage errors with exit code 2, global and per-verb options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureIo } from './io.ts';
import { runCli } from './program.ts';
import { ExitCode } from './exit-codes.ts';
import { controlPlaneUrl, DEFAULT_CONTROL_PLANE_URL } from './client.ts';

const VERBS = ['control-plane', 'proxy', 'run', 'apply', 'delete', 'get', 'analyze', 'proxy-status', 'demo'];

test('--help lists every verb and exits 0', async () => {
  const io = captureIo();
  assert.equal(await runCli(['--help'], io), ExitCode.OK);
  for (const v of VERBS) assert.match(io.out(), new RegExp(`^  ${v}\\b`, 'm'), v);
});

test('every verb has help with examples', async () => {
  for (const v of VERBS) {
    const io = captureIo();
    assert.equal(await runCli([v, '--help'], io), ExitCode.OK, v);
    assert.match(io.out(), /Examples:\n {2}weft /, v);
  }
  const io = captureIo();
  assert.equal(await runCli(['help', 'apply'], io), ExitCode.OK);
  assert.match(io.out(), /Usage: weft apply/);
});

test('--version prints the package version', async () => {
  const io = captureIo();
  assert.equal(await runCli(['--version'], io), ExitCode.OK);
  assert.match(io.out(), /^\d+\.\d+\.\d+\n$/);
});

test('usage errors exit 2 and say what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [[], /Usage: weft/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['apply'], /required option '-f, --filename <path>' not specified/],
    [['apply', '-f'], /argument missing/],
    [['get'], /missing required argument 'kind'/],
    [['get', 'vs', '-o', 'xml'], /Allowed choices are yaml, json, wide/],
    [['get', 'pods'], /unknown kind "pods"[\s\S]*kinds: virtualservice \| vs/],
    [['control-plane', '--port', 'http'], /--port <port>' argument 'http' is invalid/],
    [['control-plane', '--root-namespace', 'Istio_System'], /--root-namespace <namespace>' argument 'Istio_System' is invalid\. expected a namespace name/],
    [['run', '--service', 'web', '--port', '8080', 'node', 'app.js'], /put the app's command after `--`/],
    [['run', '--service', 'web', '--port', '8080', '--'], /no command after `--`/],
    [['run', '--service', 'web', '--port', '8080', 'stray', '--', 'node'], /unexpected argument "stray" before `--`/],
    [['run', '--service', 'Web', '--port', '8080', '--', 'node'], /service "Web" is not a valid name/],
    [['run', '--service', 'web', '--version', 'v1', '--label', 'version=v2', '--port', '8080', '--', 'node'], /--label version=v2 contradicts --version v1/],
    [['run', '--service', 'web', '--port', '8080', '--label', 'oops', '--', 'node'], /is not of the form key=value/],
    [['demo', '--duration', 'soon'], /expected seconds/],
    [['--control-plane', 'not a url', 'get', 'vs'], /control plane URL "not a url" is not a URL/],
  ];
  for (const [argv, message] of cases) {
    const io = captureIo();
    assert.equal(await runCli(argv, io), ExitCode.USAGE, argv.join(' '));
    assert.match(io.err() + io.out(), message, argv.join(' '));
  }
});

test('`weft run --version v2` is the workload version, not the program version', async () => {
  // An unknown executable fails before any network: proves the flags parsed through to the runner.
  const io = captureIo({ env: { PATH: '/nonexistent' } });
  const code = await runCli(['run', '--service', 'web', '--version', 'v2', '--port', '8080', '--', 'no-such-program-xyz'], io);
  assert.equal(code, ExitCode.COMMAND_NOT_FOUND);
  assert.match(io.err(), /cannot run "no-such-program-xyz": no such executable in PATH/);
  assert.doesNotMatch(io.out(), /^\d+\.\d+\.\d+$/m);
});

test('the control plane URL: flag, then $WEFT_CONTROL_PLANE, then the default', () => {
  assert.equal(controlPlaneUrl(undefined, {}), DEFAULT_CONTROL_PLANE_URL);
  assert.equal(controlPlaneUrl(undefined, { WEFT_CONTROL_PLANE: '' }), DEFAULT_CONTROL_PLANE_URL);
  assert.equal(DEFAULT_CONTROL_PLANE_URL, 'https://127.0.0.1:15010');
  assert.equal(controlPlaneUrl(undefined, { WEFT_CONTROL_PLANE: 'https://10.0.0.5:15010/' }), 'https://10.0.0.5:15010');
  assert.equal(controlPlaneUrl('https://127.0.0.1:9999', { WEFT_CONTROL_PLANE: 'https://10.0.0.5:15010' }), 'https://127.0.0.1:9999');
  assert.throws(() => controlPlaneUrl('ftp://x', {}), /must start with https/);
  // Issue 4: the API is HTTPS only, and http:// is refused rather than silently upgraded or downgraded.
  assert.throws(() => controlPlaneUrl('http://127.0.0.1:15010', {}), /HTTPS only/);
});
