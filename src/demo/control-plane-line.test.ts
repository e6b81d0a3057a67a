// The demo finds the control plane's URL in either of the lines that announce it (a trailing comma in the log line once broke `npm run demo`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROL_PLANE_URL_LINE } from './demo.ts';

test('the URL is read from the CLI line and from the log line, without the log line\'s comma', () => {
  assert.equal(CONTROL_PLANE_URL_LINE.exec('weft control plane listening on https://127.0.0.1:15010')?.[1], 'https://127.0.0.1:15010');
  assert.equal(CONTROL_PLANE_URL_LINE.exec('{"msg":"control plane listening on https://127.0.0.1:41445, state in /tmp/x"}')?.[1], 'https://127.0.0.1:41445');
});
