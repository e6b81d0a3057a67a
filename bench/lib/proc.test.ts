// Tests of the /proc parsers: CPU ticks of a process (with a hostile command name), VmRSS, cpuinfo, meminfo, per-CPU lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMs, memory, parseCpuLines, parseCpuModel, parseCpuTicks, parseMemTotalBytes, parseStatusBytes, parseVmRssBytes, rssBytes } from './proc.ts';

test('utime + stime are fields 14 and 15, counted after the last parenthesis', () => {
  const line = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 5000 0 0 0 1234 567 0 0 20 0 11 0 9999 1000000 20000 18446744073709551615';
  assert.equal(parseCpuTicks(line), 1234 + 567);
  assert.throws(() => parseCpuTicks('garbage'), /not a \/proc/);
});

test('VmRSS and RssAnon in KiB become bytes', () => {
  const status = 'Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t   51200 kB\nRssAnon:\t 1024 kB\nRssFile:\t 50176 kB\n';
  assert.equal(parseVmRssBytes(status), 51200 * 1024);
  assert.equal(parseStatusBytes(status, 'RssAnon'), 1024 * 1024);
  assert.equal(parseStatusBytes(status, 'RssFile'), 50176 * 1024);
  assert.throws(() => parseVmRssBytes('Name:\tzombie\n'), /VmRSS/);
});

test('CPU model and memory of the machine', () => {
  assert.equal(parseCpuModel('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\nprocessor\t: 1\nmodel name\t: AMD EPYC 9R14\n'), 'AMD EPYC 9R14');
  assert.equal(parseCpuModel(''), 'unknown');
  assert.equal(parseMemTotalBytes('MemTotal:       24683620 kB\nMemFree: 1 kB\n'), 24683620 * 1024);
});

test('per-CPU lines of /proc/stat, without the aggregate line', () => {
  const cpus = parseCpuLines('cpu  9 9 9 9 9 9 9 0 0 0\ncpu0 100 5 50 1000 10 3 7 0 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n');
  assert.deepEqual([...cpus.keys()], [0, 1]);
  assert.deepEqual(cpus.get(0), { processTicks: 155, irqTicks: 10, idleTicks: 1010 });
});

test('this process has a CPU time and an RSS, its private part smaller than the whole', () => {
  assert.ok(cpuMs(process.pid) >= 0);
  assert.ok(rssBytes(process.pid) > 1024 * 1024);
  const m = memory(process.pid);
  assert.ok(m.anon > 0 && m.anon < m.rss);
});
