import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { isStrataError } from '../../src/errors.js';
import { parseFlags, resolveConfig } from '../../src/server/config.js';
import { coerceOption } from '../../src/server/config-values.js';
import { OPTIONS, envName, flagName, type OptionSpec, type StrataConfig } from '../../src/server/options/index.js';
import { storeConfigOf } from '../../src/server/store-config.js';

const tmp = mkdtempSync(join(tmpdir(), 'strata-config-'));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isStrataError(err, 'STRATA_ERR_CONFIG_INVALID'), String(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected STRATA_ERR_CONFIG_INVALID');
}

describe('defaults', () => {
  it('runs on the embedded fs store under ./data, loopback, standard ports', () => {
    const { config, sources } = resolveConfig({ argv: [], env: {} });
    expect(config).toMatchObject({
      dataDir: './data',
      store: 'fs',
      storeDir: join('./data', 'store'),
      cacheDir: join('./data', 'cache'),
      host: '127.0.0.1',
      httpPort: 8080,
      mqttPort: 1883,
      kafkaPort: 9092,
      logLevel: 'info',
      logLevels: [],
      shutdownTimeout: 30_000,
    });
    expect(config.s3Bucket).toBeUndefined();
    expect(Object.values(sources).every((s) => s === 'default')).toBe(true);
    expect(storeConfigOf(config)).toEqual({ type: 'fs', dir: join('./data', 'store') });
  });

  it('derives dependent defaults from the dataDir actually chosen', () => {
    const { config } = resolveConfig({ env: { STRATA_DATA_DIR: '/var/lib/strata' } });
    expect(config.storeDir).toBe('/var/lib/strata/store');
    expect(config.cacheDir).toBe('/var/lib/strata/cache');
  });

  it('has typed fields', () => {
    expectTypeOf<StrataConfig['httpPort']>().toEqualTypeOf<number>();
    expectTypeOf<StrataConfig['store']>().toEqualTypeOf<'fs' | 's3'>();
    expectTypeOf<StrataConfig['s3Bucket']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StrataConfig['s3ForcePathStyle']>().toEqualTypeOf<boolean>();
  });
});

describe('precedence: flag > env > file > default', () => {
  const yaml = file('strata.yaml', 'httpPort: 1111\nmqttPort: 2222\nkafkaPort: 3333\nlogLevels: [store=debug]\n');

  it('takes each option from the highest source that sets it', () => {
    const { config, sources, file: used } = resolveConfig({
      argv: ['--config', yaml, '--http-port', '4444'],
      env: { STRATA_HTTP_PORT: '5555', STRATA_MQTT_PORT: '6666' },
    });
    expect(used).toBe(yaml);
    expect([config.httpPort, config.mqttPort, config.kafkaPort, config.host]).toEqual([4444, 6666, 3333, '127.0.0.1']);
    expect([sources.httpPort, sources.mqttPort, sources.kafkaPort, sources.host]).toEqual(['flag', 'env', 'file', 'default']);
    expect(config.logLevels).toEqual(['store=debug']);
  });

  it('finds the file through STRATA_CONFIG, JSON too', () => {
    const json = file('strata.json', JSON.stringify({ httpPort: 7777, s3Bucket: 'b', s3Endpoint: 'http://127.0.0.1:9000' }));
    const { config } = resolveConfig({ env: { STRATA_CONFIG: json } });
    expect(config.httpPort).toBe(7777);
    expect(config.store).toBe('s3');
    expect(config.s3ForcePathStyle).toBe(true);
  });

  it('accepts --flag=value, bare booleans and --no-<bool>', () => {
    const base = ['--s3-bucket=b', '--s3-endpoint', 'http://minio:9000'];
    expect(resolveConfig({ argv: [...base, '--no-s3-force-path-style'], env: {} }).config.s3ForcePathStyle).toBe(false);
    expect(resolveConfig({ argv: ['--s3-bucket=b', '--s3-force-path-style'], env: {} }).config.s3ForcePathStyle).toBe(true);
    expect(resolveConfig({ argv: base, env: { STRATA_S3_FORCE_PATH_STYLE: 'false' } }).config.s3ForcePathStyle).toBe(false);
  });

  it('maps S3 options onto the store config; a bucket implies --store s3', () => {
    const { config } = resolveConfig({
      env: {
        STRATA_S3_BUCKET: 'strata',
        STRATA_S3_ENDPOINT: 'http://127.0.0.1:9000',
        STRATA_S3_PREFIX: 'prod',
        STRATA_S3_ACCESS_KEY_ID: 'ak',
        STRATA_S3_SECRET_ACCESS_KEY: 'sk',
      },
    });
    expect(storeConfigOf(config)).toEqual({
      type: 's3',
      bucket: 'strata',
      prefix: 'prod',
      endpoint: 'http://127.0.0.1:9000',
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'ak',
      secretAccessKey: 'sk',
      fastGet: true,
      fastPut: true,
    });
  });

  it('warns about unknown STRATA_* env vars but not about test or config vars', () => {
    const { warnings } = resolveConfig({ env: { STRATA_HTTP_PROT: '1', STRATA_TEST_S3_ENDPOINT: 'x', STRATA_CONFIG: '' } });
    expect(warnings).toEqual(['ignoring unknown environment variable STRATA_HTTP_PROT']);
  });
});

describe('invalid configuration: one clear line', () => {
  it.each([
    [['--http-prot', '1'], {}, 'unknown option --http-prot'],
    [['start'], {}, 'unexpected argument "start"'],
    [['--http-port'], {}, 'option --http-port needs a value'],
    [['--http-port', 'abc'], {}, 'invalid value "abc" for --http-port: expected an integer between 0 and 65535'],
    [[], { STRATA_HTTP_PORT: '70000' }, 'for STRATA_HTTP_PORT'],
    [[], { STRATA_LOG_LEVEL: 'loud' }, 'expected one of trace, debug, info'],
    [['--store', 's3'], {}, 'the s3 store needs a bucket'],
    [['--s3-bucket', 'b', '--s3-endpoint', 'localhost:9000'], {}, 'invalid S3 endpoint "localhost:9000"'],
    [[], { STRATA_S3_BUCKET: 'b', STRATA_S3_ACCESS_KEY_ID: 'x' }, 'set both STRATA_S3_ACCESS_KEY_ID and STRATA_S3_SECRET_ACCESS_KEY'],
    [[], { STRATA_SHUTDOWN_TIMEOUT: 'soon' }, 'a duration'],
  ] as const)('%j %j', (argv, env, expected) => {
    expect(configError(() => resolveConfig({ argv: [...argv], env: { ...env } }))).toContain(expected);
  });

  it('rejects unknown keys, bad YAML and missing files', () => {
    expect(configError(() => resolveConfig({ argv: ['--config', file('bad-key.yaml', 'httpPrt: 1\n')], env: {} }))).toContain('unknown option "httpPrt" in config file');
    expect(configError(() => resolveConfig({ argv: ['--config', file('bad.yaml', 'a: [1,\n')], env: {} }))).toContain('is not valid YAML');
    expect(configError(() => resolveConfig({ argv: ['--config', file('list.yaml', '- 1\n')], env: {} }))).toContain('must hold a mapping');
    expect(configError(() => resolveConfig({ argv: ['--config', join(tmp, 'nope.yaml')], env: {} }))).toContain('cannot read config file');
    expect(configError(() => resolveConfig({ argv: ['--config', file('t.yaml', 'httpPort: true\n')], env: {} }))).toContain('for httpPort in');
  });
});

describe('value types', () => {
  const spec = (type: OptionSpec['type']): OptionSpec => ({ name: 'x', type, group: 'g', doc: 'd', ...(type === 'enum' ? { values: ['a'] } : {}) }) as OptionSpec;
  it('parses sizes, durations, bools and lists', () => {
    expect(coerceOption(spec('size'), '64MiB', 'w')).toBe(64 * 1024 * 1024);
    expect(coerceOption(spec('size'), '1.5KB', 'w')).toBe(1500);
    expect(coerceOption(spec('size'), 4096, 'w')).toBe(4096);
    expect(coerceOption(spec('duration'), '30s', 'w')).toBe(30_000);
    expect(coerceOption(spec('duration'), '250ms', 'w')).toBe(250);
    expect(coerceOption(spec('duration'), '5m', 'w')).toBe(300_000);
    expect(coerceOption(spec('bool'), 'yes', 'w')).toBe(true);
    expect(coerceOption(spec('bool'), 'off', 'w')).toBe(false);
    expect(coerceOption(spec('list'), ' a, b ,,c', 'w')).toEqual(['a', 'b', 'c']);
    expect(() => coerceOption(spec('size'), '12 parsecs', 'w')).toThrow(/expected a size/);
    expect(() => coerceOption(spec('bool'), 'maybe', 'w')).toThrow(/true or false/);
  });
});

describe('the option table', () => {
  it('has unique names, env vars and flags, each derived consistently', () => {
    const names = OPTIONS.map((o) => o.name);
    const envs = OPTIONS.map((o) => envName(o));
    const flags = OPTIONS.map((o) => flagName(o));
    for (const list of [names, envs, flags]) expect(list.filter((x, i) => list.indexOf(x) !== i)).toEqual([]);
    expect(envName({ name: 's3ForcePathStyle' })).toBe('STRATA_S3_FORCE_PATH_STYLE');
    expect(flagName({ name: 'httpPort' })).toBe('--http-port');
    for (const o of OPTIONS as readonly OptionSpec[]) expect(o.doc.length, o.name).toBeGreaterThan(10);
  });

  it('parses flags without touching env', () => {
    expect(parseFlags(['--data-dir', '/x', '--config=a.yaml'])).toEqual({ values: new Map([['dataDir', '/x']]), config: 'a.yaml' });
  });
});
