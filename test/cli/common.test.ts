/** Admin CLI pieces in-process: flag parsing, tables, the progress bar, base URL, and the exit-code mapping. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defaultBaseUrl } from '../../src/cli/client.js';
import { parseArgs, topicRef } from '../../src/cli/common.js';
import { runAdminCommand } from '../../src/cli/index.js';
import { ProgressBar, table } from '../../src/cli/output.js';

function io(isTty = false): { out: string; err: string; io: { out(t: string): void; err(t: string): void; isTty: boolean } } {
  const r = { out: '', err: '', io: { out: (t: string) => void (r.out += t), err: (t: string) => void (r.err += t), isTty } };
  return r;
}

describe('parseArgs', () => {
  it('parses --flag value, --flag=value, -n, booleans, ints and kebab-case names', () => {
    const p = parseArgs(['t1', '--partitions', '3', '--retention-ms=-1', '-n', 'ns', '--json', 't2'], { partitions: 'int', retentionMs: 'int' });
    expect(p).toEqual({ positional: ['t1', 't2'], flags: { partitions: 3, retentionMs: -1, namespace: 'ns', json: true } });
  });
  it('rejects unknown flags, missing values, non-integers, values on booleans', () => {
    expect(() => parseArgs(['--nope'], {})).toThrow(/unknown flag "--nope"/);
    expect(() => parseArgs(['--partitions'], { partitions: 'int' })).toThrow(/needs a value/);
    expect(() => parseArgs(['--partitions', 'x'], { partitions: 'int' })).toThrow(/needs an integer/);
    expect(() => parseArgs(['--json=yes'], {})).toThrow(/takes no value/);
  });
  it('topicRef takes ns/topic or --namespace, default "default"', () => {
    expect(topicRef('a/b', {})).toEqual({ ns: 'a', name: 'b' });
    expect(topicRef('b', { namespace: 'x' })).toEqual({ ns: 'x', name: 'b' });
    expect(topicRef('b', {}, {})).toEqual({ ns: 'default', name: 'b' });
    expect(topicRef('b', {}, { STRATA_NAMESPACE: 'env' })).toEqual({ ns: 'env', name: 'b' });
    expect(() => topicRef('a/b', { namespace: 'x' })).toThrow(/not both/);
  });
});

describe('output', () => {
  it('aligns tables, numbers to the right, null as -', () => {
    expect(table(['NAME', 'N'], [['alpha', 1], ['b', 100], ['c', null]])).toBe('NAME   N\nalpha    1\nb      100\nc      -\n');
  });
  it('draws a progress bar on stderr only for a terminal', () => {
    expect(ProgressBar.render('x', 5, 10, 10)).toBe('x [#####-----] 5/10 50%');
    const tty = io(true);
    const bar = new ProgressBar(tty.io, 'deleting', undefined, 10);
    bar.update(1, 4);
    bar.update(4, 4);
    bar.done();
    expect(tty.err).toMatch(/^\rdeleting \[###-------\] 1\/4 25%.*\rdeleting \[##########\] 4\/4 100%.*\n$/s);
    const pipe = io(false);
    const quiet = new ProgressBar(pipe.io, 'x');
    quiet.update(1, 2);
    quiet.done();
    expect(pipe.err).toBe('');
  });
  it('base URL: STRATA_URL, then STRATA_HOST/STRATA_HTTP_PORT, then 127.0.0.1:8080', () => {
    expect(defaultBaseUrl({ STRATA_URL: 'http://b:1' })).toBe('http://b:1');
    expect(defaultBaseUrl({ STRATA_HOST: '0.0.0.0', STRATA_HTTP_PORT: '9000' })).toBe('http://127.0.0.1:9000');
    expect(defaultBaseUrl({ STRATA_HOST: '::1' })).toBe('http://[::1]:8080');
    expect(defaultBaseUrl({})).toBe('http://127.0.0.1:8080');
  });
});

describe('exit codes', () => {
  it('1 for an error answer (printed, and as JSON with --json), 2 for usage, 3 for no connection', async () => {
    const server = createServer((req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'STRATA_ERR_TOPIC_NOT_FOUND', message: 'topic default/x does not exist', retriable: false } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const a = io();
      expect(await runAdminCommand('topics', ['describe', 'x', '--url', url], a.io)).toBe(1);
      expect(a.err).toBe('strata topics describe: topic default/x does not exist (STRATA_ERR_TOPIC_NOT_FOUND)\n');
      const b = io();
      expect(await runAdminCommand('topics', ['describe', 'x', '--url', url, '--json'], b.io)).toBe(1);
      expect(JSON.parse(b.out)).toMatchObject({ error: { code: 'STRATA_ERR_TOPIC_NOT_FOUND' } });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const c = io();
    expect(await runAdminCommand('groups', ['list', '--url', url], c.io)).toBe(3);
    expect(c.err).toMatch(/cannot reach the broker at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    for (const argv of [['list', '--bad'], ['what'], [], ['describe', 'a', 'b']]) expect(await runAdminCommand('groups', argv, io().io), argv.join(' ')).toBe(2);
    expect(await runAdminCommand('topics', ['list', '--url', 'ftp://x'], io().io)).toBe(2);
    const h = io();
    expect(await runAdminCommand('cache', ['--help'], h.io)).toBe(0);
    expect(h.out).toMatch(/^Usage: strata cache stats/);
  });
});

describe('strata bench', () => {
  it('runs node bench/run.js: no name lists the benchmarks, an unknown one exits with its code', async () => {
    const { runStrata } = await import('../support/process.js');
    const listed = await runStrata(['bench']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^benchmarks:\n( {2}\S+\n)+/m);
    const unknown = await runStrata(['bench', 'no-such-bench']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown benchmark "no-such-bench"/);
  }, 120_000);
});
