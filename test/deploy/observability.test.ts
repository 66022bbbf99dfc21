/**
 * Every metric the Grafana dashboard and the Prometheus alerts use exists: strata_* metrics are registered
 * somewhere in the code, process_* / nodejs_* come from prom-client's default metrics, and a running Strata
 * exposes each one whose component it runs.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, startStrata, type StrataProcess } from '../support/process.js';

const dashboard = JSON.parse(readFileSync(join(ROOT, 'infra/grafana/dashboards/strata.json'), 'utf8')) as {
  uid: string;
  panels: Array<{ id: number; type: string; targets?: Array<{ expr: string; datasource: { uid: string } }> }>;
};
const alerts = parse(readFileSync(join(ROOT, 'infra/prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };

/** Metric names in PromQL expressions, histogram series mapped to their metric. */
function metricsIn(exprs: string[]): Set<string> {
  const names = new Set<string>();
  for (const e of exprs) {
    for (const m of e.matchAll(/\b((?:strata|process|nodejs)_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)) names.add(m[1].replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const alertExprs = alerts.groups.flatMap((g) => g.rules.map((r) => r.expr));
const used = metricsIn([...dashboardExprs, ...alertExprs]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}
const definedInCode = new Set(
  ['src', 'cache', 'connectors'].flatMap((d) => sourceFiles(join(ROOT, d))).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/['"`](strata_[a-z0-9_]+)['"`]/g)].map((m) => m[1])),
);
const defaultRegistry = new Registry();
collectDefaultMetrics({ register: defaultRegistry });

/** Which node component registers a metric (by name prefix); undefined = always there. */
function owner(metric: string): string | undefined {
  const m = /^strata_(store|cache|prefetch|log|mqtt|kafka|http)_/.exec(metric);
  if (!m) return undefined;
  return m[1] === 'prefetch' ? 'cache' : m[1];
}

describe('dashboard and alerts', () => {
  it('use a fair number of metrics, all of which exist', async () => {
    const defaults = new Set((await defaultRegistry.getMetricsAsJSON()).map((m) => m.name));
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter((m) => !(m === 'up' || definedInCode.has(m) || defaults.has(m)));
    expect(missing).toEqual([]);
  });

  it('covers what operators watch: throughput, latency, cache, prefetch, store, WAL, fencing', () => {
    for (const m of [
      'strata_mqtt_bytes_total', 'strata_kafka_bytes_total', 'strata_kafka_request_seconds', 'strata_cache_hits_total', 'strata_cache_misses_total',
      'strata_prefetch_blocks_total', 'strata_store_requests_total', 'strata_log_wal_flush_seconds', 'strata_log_wal_flush_bytes', 'strata_log_fenced_total',
    ]) expect(used, m).toContain(m);
    expect(alerts.groups[0].rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['StrataObjectStoreErrors', 'StrataFenced', 'StrataCacheThrash']));
  });

  it('is a well-formed dashboard on the provisioned data source', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const ds = parse(readFileSync(join(ROOT, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string }> };
    for (const p of dashboard.panels) for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(ds.datasources[0].uid);
  });
});

describe('a running Strata exposes the metrics of its components', () => {
  beforeAll(() => ensureBuilt(), 300_000);
  let s: StrataProcess | undefined;
  afterAll(async () => {
    await s?.stop();
  });

  it('after traffic, /metrics lists every dashboard metric of every component it runs', async () => {
    s = await startStrata();
    const base = `http://127.0.0.1:${s.httpPort}`;
    for (let i = 0; i < 3; i++) await fetch(`${base}/healthz`);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { components: Record<string, unknown> };
    const running = new Set(Object.keys(ready.components));
    expect(running).toContain('store');
    expect(running).toContain('http');
    const text = await (await fetch(`${base}/metrics`)).text();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const expected = [...used].filter((m) => m !== 'up' && (owner(m) === undefined || running.has(owner(m)!)));
    expect(expected).toEqual(expect.arrayContaining(['strata_up', 'strata_store_requests_total', 'strata_http_requests_total']));
    expect(expected.filter((m) => !exposed.has(m))).toEqual([]);
  });
});
