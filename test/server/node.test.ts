import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StrataError, isStrataError } from '../../src/errors.js';
import { resolveConfig } from '../../src/server/config.js';
import type { Component } from '../../src/server/context.js';
import { componentLogger, createLogger, parseLogLevels } from '../../src/server/logger.js';
import { startNode } from '../../src/server/node.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) });
  return { lines, destination };
}

function fake(name: string, events: string[], opts: { failStart?: boolean; ready?: () => boolean } = {}): Component {
  return {
    name,
    async start(ctx) {
      events.push(`start ${name}`);
      if (opts.failStart) throw new StrataError('STRATA_ERR_STORE_BUCKET_MISSING', `bucket "x" does not exist`);
      ctx.ports[name] = 1000 + events.length;
    },
    async stop() {
      events.push(`stop ${name}`);
    },
    ready: opts.ready ? () => ({ ready: opts.ready!(), reason: 'probe' }) : undefined,
  };
}

const config = resolveConfig({ env: {} }).config;

describe('node lifecycle', () => {
  it('starts components in order, stops them in reverse, once', async () => {
    const events: string[] = [];
    const { lines, destination } = capture();
    const node = await startNode(config, createLogger({ destination }), { components: ['store', 'cache', 'http'].map((n) => fake(n, events)) });
    expect(events).toEqual(['start store', 'start cache', 'start http']);
    expect(node.readiness()).toEqual({ ready: true, components: { store: { ready: true }, cache: { ready: true }, http: { ready: true } } });
    expect(lines.find((l) => l.msg === 'started')).toMatchObject({ component: 'server', ports: { store: 1001, cache: 1002, http: 1003 } });
    await Promise.all([node.stop(), node.stop()]);
    expect(events.slice(3)).toEqual(['stop http', 'stop cache', 'stop store']);
    expect(node.readiness().ready).toBe(false);
    expect(node.readiness().components.store.reason).toBe('shutting down');
  });

  it('stops what started, in reverse, when a component fails to start, and rethrows', async () => {
    const events: string[] = [];
    const { destination } = capture();
    const err = await startNode(config, createLogger({ destination }), {
      components: [fake('store', events), fake('log', events, { failStart: true }), fake('http', events)],
    }).catch((e: unknown) => e);
    expect(isStrataError(err, 'STRATA_ERR_STORE_BUCKET_MISSING')).toBe(true);
    expect(events).toEqual(['start store', 'start log', 'stop log', 'stop store']);
  });

  it('reports a component that is not ready', async () => {
    let ok = true;
    const { destination } = capture();
    const node = await startNode(config, createLogger({ destination }), { components: [fake('store', [], { ready: () => ok }), fake('http', [])] });
    ok = false;
    expect(node.readiness()).toEqual({ ready: false, components: { store: { ready: false, reason: 'probe' }, http: { ready: true } } });
    await node.stop();
  });
});

describe('logging', () => {
  it('writes JSON with a component field and per-component levels', () => {
    const { lines, destination } = capture();
    const root = createLogger({ logLevel: 'info', logLevels: ['store=debug', 'mqtt=error'], destination });
    componentLogger(root, 'store').debug('store detail');
    componentLogger(root, 'mqtt').warn('mqtt warning');
    componentLogger(root, 'kafka').debug('kafka detail');
    componentLogger(root, 'kafka').info({ topic: 't' }, 'kafka info');
    componentLogger(componentLogger(root, 'store'), 'store').debug('nested keeps levels');
    expect(lines.map((l) => [l.component, l.level, l.msg])).toEqual([
      ['store', 'debug', 'store detail'],
      ['kafka', 'info', 'kafka info'],
      ['store', 'debug', 'nested keeps levels'],
    ]);
    expect(lines[1]).toMatchObject({ topic: 't', pid: process.pid });
    expect(typeof lines[0].time).toBe('string');
  });

  it('rejects malformed level entries with one line', () => {
    expect(() => parseLogLevels(['store'])).toThrow(/invalid log level entry "store"/);
    expect(() => parseLogLevels(['store=loud'])).toThrow(/STRATA_LOG_LEVELS/);
  });

  it('masks secrets', () => {
    const { lines, destination } = capture();
    createLogger({ destination }).info({ config: { s3SecretAccessKey: 'hunter2', s3Bucket: 'b' } }, 'starting');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
