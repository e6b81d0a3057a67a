// Tests of http[].fault conversion: percentages (new, old and absent), delay and abort independence, gRPC statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertFault } from './fault.ts';

test('the seed\'s fault: 5 s delay for 10 %, 503 abort for 5 %', () => {
  assert.deepEqual(convertFault({ delay: { percentage: { value: 10.0 }, fixedDelay: '5s' }, abort: { percentage: { value: 5.0 }, httpStatus: 503 } }), {
    delay: { fixedDelayMs: 5000, percent: 10 },
    abort: { httpStatus: 503, percent: 5 },
  });
});

test('the older integer percent still sets the delay share; percentage wins when both reach the compiler', () => {
  assert.deepEqual(convertFault({ delay: { fixedDelay: '7s', percent: 100 } }), { delay: { fixedDelayMs: 7000, percent: 100 } });
  assert.deepEqual(convertFault({ delay: { fixedDelay: '1s', percent: 50, percentage: { value: 25 } } }), { delay: { fixedDelayMs: 1000, percent: 25 } });
});

test('an absent percentage is 0 %, as in Istio (istio/istio#36303): that part is left out', () => {
  assert.equal(convertFault({ abort: { httpStatus: 500 } }), undefined);
  assert.equal(convertFault({ delay: { fixedDelay: '1s' } }), undefined);
  assert.deepEqual(convertFault({ delay: { fixedDelay: '1s' }, abort: { httpStatus: 500, percentage: { value: 100 } } }), { abort: { httpStatus: 500, percent: 100 } });
  assert.equal(convertFault({ abort: { httpStatus: 500, percentage: { value: 0 } } }), undefined);
});

test('fractions keep Istio\'s precision (parts per million), truncated as Istio truncates', () => {
  assert.equal(convertFault({ abort: { httpStatus: 500, percentage: { value: 0.5 } } })?.abort?.percent, 0.5);
  assert.equal(convertFault({ abort: { httpStatus: 500, percentage: { value: 33.333333 } } })?.abort?.percent, 33.3333);
  assert.equal(convertFault({ abort: { httpStatus: 500, percentage: { value: 0.00001 } } }), undefined);
});

test('a gRPC abort reaches the proxy config; a part with nothing to inject is dropped', () => {
  assert.deepEqual(convertFault({ abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 20 } } }), { abort: { grpcStatus: 'UNAVAILABLE', percent: 20 } });
  assert.equal(convertFault({ abort: { percentage: { value: 20 } } }), undefined, 'abort without a status');
  assert.equal(convertFault({ delay: { percentage: { value: 20 } } }), undefined, 'delay without fixedDelay');
  assert.equal(convertFault(undefined), undefined);
});
