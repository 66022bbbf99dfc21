/**
 * The deployment files: docker-compose.yml (validated by `docker compose config` where the Compose plugin
 * exists, structurally always), the Dockerfile, the Kubernetes manifests, and the compose topology run without
 * Docker: a MinIO binary, the bucket created as `minio-init` does, Strata with the `strata` service's env.
 */
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONS, envName } from '../../src/server/options/index.js';
import { ROOT, ensureBuilt, startStrata, type StrataProcess } from '../support/process.js';
import { ensureBucket, testS3 } from '../support/s3.js';

type Obj = Record<string, any>;
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const compose = parse(read('docker-compose.yml')) as Obj;
const knownEnv = new Set(OPTIONS.map((o) => envName(o)));

/** Compose-style interpolation: ${VAR}, ${VAR:-default}, $$ → $. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (m, name: string | undefined, def: string | undefined) => {
    if (m === '$$') return '$';
    return vars[name!] ?? def ?? '';
  });
}

const hasComposePlugin = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

describe('docker-compose.yml', () => {
  it.skipIf(!hasComposePlugin)('passes `docker compose config` (validates without an engine)', () => {
    const r = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', '--profile', 'observability', 'config', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('describes MinIO, a one-shot bucket init, Strata, and Prometheus + Grafana under a profile', () => {
    const s = compose.services as Obj;
    expect(Object.keys(s).sort()).toEqual(['grafana', 'minio', 'minio-init', 'prometheus', 'strata']);
    for (const [name, svc] of Object.entries(s)) {
      if (svc.image) expect(svc.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
    expect(s.minio.image).toMatch(/^minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(s['minio-init'].image).toMatch(/^minio\/mc:RELEASE\./);
    expect(s.minio.healthcheck.test).toBeDefined();
    expect(s.minio.volumes).toContain('minio-data:/data');
    expect(Object.keys(compose.volumes)).toContain('minio-data');
    expect(s['minio-init'].depends_on.minio.condition).toBe('service_healthy');
    expect(s['minio-init'].restart).toBe('no');
    expect(s.strata.build).toBe('.');
    expect(s.strata.depends_on['minio-init'].condition).toBe('service_completed_successfully');
    expect(s.prometheus.profiles).toEqual(['observability']);
    expect(s.grafana.profiles).toEqual(['observability']);
    expect(s.strata.profiles).toBeUndefined();
    expect(s.strata.ports).toEqual(['127.0.0.1:8080:8080', '127.0.0.1:1883:1883', '127.0.0.1:9092:9092']);
    // Anonymous MQTT is only acceptable because nothing is published beyond the host's loopback.
    for (const svc of Object.values(s as Obj)) for (const port of (svc.ports ?? []) as string[]) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('gives Strata only known options, and the bucket the init job creates', () => {
    const env = compose.services.strata.environment as Record<string, string>;
    expect(Object.keys(env).filter((k) => !knownEnv.has(k))).toEqual([]);
    expect(env.STRATA_S3_ENDPOINT).toBe('http://minio:9000');
    expect(env.STRATA_HOST).toBe('0.0.0.0');
    const init = compose.services['minio-init'];
    expect(interpolate(init.environment.STRATA_BUCKET, {})).toBe(interpolate(env.STRATA_S3_BUCKET, {}));
    expect(init.command.join('\n')).toContain('mc mb --ignore-existing "local/$$STRATA_BUCKET"');
  });

  it('mounts host paths that exist, matching the Prometheus and Grafana configs', () => {
    for (const svc of Object.values(compose.services as Obj)) {
      for (const v of (svc.volumes ?? []) as string[]) {
        if (v.startsWith('./')) expect(existsSync(join(ROOT, v.split(':')[0])), v).toBe(true);
      }
    }
    const prom = parse(read('infra/prometheus/prometheus.yml')) as Obj;
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const strataJob = prom.scrape_configs.find((j: Obj) => j.job_name === 'strata');
    expect(strataJob.static_configs[0].targets).toEqual(['strata:8080']);
    const dashboards = parse(read('infra/grafana/provisioning/dashboards/strata.yml')) as Obj;
    expect(compose.services.grafana.volumes).toContain(`./infra/grafana/dashboards:${dashboards.providers[0].options.path}:ro`);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const stages = text.split(/^FROM /m).slice(1);

  it('is multi-stage on node:20-bookworm-slim and runs as a non-root user', () => {
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/^\$\{NODE_IMAGE\} AS build/);
    const final = stages.at(-1)!;
    const user = /^USER (\S+)$/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final).toMatch(/npm prune --omit=dev|COPY --from=build \/app\/node_modules/);
    expect(stages[0]).toContain('npm prune --omit=dev');
  });

  it('checks /healthz, exposes the three ports, and starts the broker', () => {
    expect(text).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(text).toMatch(/^EXPOSE 8080 1883 9092$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "bin\/strata\.js"\]$/m);
    expect(text).toMatch(/^CMD \["start"\]$/m);
    const envs = [...text.matchAll(/\b(STRATA_[A-Z0-9_]+)=/g)].map((m) => m[1]);
    expect(envs).toContain('STRATA_HOST');
    expect(envs.filter((e) => !knownEnv.has(e))).toEqual([]);
  });

  it('copies only what the build stage produces, and .dockerignore keeps local state out', () => {
    for (const m of text.matchAll(/^COPY --from=build \/app\/(\S+)/gm)) {
      const path = m[1];
      expect(['package.json', 'node_modules', 'dist', 'bin'], path).toContain(path);
    }
    expect(existsSync(join(ROOT, 'bin', 'strata.js'))).toBe(true);
    const ignore = read('.dockerignore').split('\n');
    for (const p of ['.git', 'node_modules', 'dist', 'data', '.cache', '.env']) expect(ignore, p).toContain(p);
    expect(ignore).not.toContain('bin');
    expect(ignore).not.toContain('src');
  });
});

describe('the image runs with production dependencies only (npm prune --omit=dev)', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('compiled code imports only node builtins and the "dependencies" of its own package', () => {
    // Each compiled file is checked against the nearest package.json above its source (the root one for
    // the broker; connectors/agent-sdk and cache/ declare their own).
    const depsOf = (file: string): Record<string, string> => {
      let dir = dirname(join(ROOT, file.slice(join(ROOT, 'dist').length)));
      while (dir.startsWith(ROOT) && dir !== ROOT && !existsSync(join(dir, 'package.json'))) dir = dirname(dir);
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    };
    const jsFiles = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []))
        : [];
    const offenders: string[] = [];
    for (const file of ['src', 'cache', 'connectors'].flatMap((d) => jsFiles(join(ROOT, 'dist', d)))) {
      if (file.endsWith('.test.js')) continue;
      const text = readFileSync(file, 'utf8');
      const dependencies = depsOf(file);
      for (const m of text.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!(name in dependencies)) offenders.push(`${file.slice(ROOT.length)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('Kubernetes manifests', () => {
  const docs = readdirSync(join(ROOT, 'infra/k8s'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(`infra/k8s/${f}`)).map((d) => d.toJSON() as Obj));
  const byKind = (kind: string): Obj => docs.find((d) => d.kind === kind)!;

  it('has a Deployment, Service, ConfigMap and Secret wired together', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
    const dep = byKind('Deployment');
    const c = dep.spec.template.spec.containers[0];
    expect(c.envFrom).toEqual([{ configMapRef: { name: byKind('ConfigMap').metadata.name } }, { secretRef: { name: byKind('Secret').metadata.name } }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(dep.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const containerPorts = c.ports.map((p: Obj) => p.name).sort();
    const servicePorts = byKind('Service').spec.ports.map((p: Obj) => p.targetPort).sort();
    expect(servicePorts).toEqual(containerPorts);
    expect(byKind('Service').spec.selector).toEqual(dep.spec.selector.matchLabels);
  });

  it('configures only known options', () => {
    const keys = [...Object.keys(byKind('ConfigMap').data), ...Object.keys(byKind('Secret').stringData)];
    expect(keys.filter((k) => !knownEnv.has(k))).toEqual([]);
    expect(Object.keys(byKind('Secret').stringData).sort()).toEqual(['STRATA_ADMIN_TOKEN', 'STRATA_S3_ACCESS_KEY_ID', 'STRATA_S3_SECRET_ACCESS_KEY']);
  });
});

describe('the compose topology without Docker', () => {
  beforeAll(() => ensureBuilt(), 300_000);
  let strata: StrataProcess | undefined;
  afterAll(async () => {
    await strata?.stop();
  });

  it('MinIO + bucket init + Strata with the compose env answer /healthz and /readyz', async () => {
    const s3 = await testS3();
    // What compose's MinIO gets: the test MinIO's root credentials stand in for MINIO_ROOT_USER/PASSWORD.
    const vars = { MINIO_ROOT_USER: s3.accessKeyId, MINIO_ROOT_PASSWORD: s3.secretAccessKey };
    // What minio-init does: create the bucket named by its STRATA_BUCKET.
    const bucket = interpolate(compose.services['minio-init'].environment.STRATA_BUCKET, vars);
    await ensureBucket(s3, bucket);
    // The strata service's environment, with only the MinIO host name and the bind address swapped for local ones.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(compose.services.strata.environment as Record<string, string>)) env[k] = interpolate(String(v), vars);
    env.STRATA_S3_ENDPOINT = env.STRATA_S3_ENDPOINT.replace('http://minio:9000', s3.endpoint);
    env.STRATA_HOST = '127.0.0.1';
    strata = await startStrata({ env });

    const health = await fetch(`http://127.0.0.1:${strata.httpPort}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${strata.httpPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(strata.logs().find((l) => l.msg === 'object store ready')).toMatchObject({ kind: expect.stringMatching(/s3/), location: expect.stringContaining(bucket) });
    expect(await strata.stop()).toBe(0);
  });
});
