/** The metric names the Grafana dashboards and the Prometheus alert rules use (for tests that check they exist). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './process.js';

interface Dashboard {
  panels: Array<{ targets?: Array<{ expr: string }>; panels?: Dashboard['panels'] }>;
}

/** Metric names in PromQL expressions; histogram series (_bucket/_sum/_count) map to their metric. */
export function metricsIn(exprs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const e of exprs) {
    for (const m of e.matchAll(/\b((?:strata|process|nodejs)_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)) names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

export function dashboardExprs(): string[] {
  const dir = join(ROOT, 'infra/grafana/dashboards');
  const out: string[] = [];
  const walk = (panels: Dashboard['panels']): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) out.push(t.expr);
      walk(p.panels ?? []);
    }
  };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) walk((JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard).panels);
  return out;
}

export function alertExprs(): string[] {
  const alerts = parse(readFileSync(join(ROOT, 'infra/prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  return alerts.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

/** Every metric (other than Prometheus' own `up`) that a dashboard or an alert rule reads. */
export function monitoredMetrics(): string[] {
  return [...metricsIn([...dashboardExprs(), ...alertExprs()])].filter((m) => m !== 'up').sort();
}
