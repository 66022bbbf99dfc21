/**
 * The process's one Prometheus registry. Every component registers its strata_* metrics here through the
 * factories below; they are idempotent (a second call with the same name returns the existing metric), so
 * tests that start several nodes in one process never throw "already registered".
 *
 * Naming: strata_<area>_<what>_{total,bytes,seconds}; label values from a small, bounded set.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { VERSION } from '../server/version.js';

export const metricsRegistry = new Registry();

let defaultsCollected = false;

/** Process metrics (CPU, memory, event loop lag, GC, handles) plus strata_build_info and strata_up. Idempotent. */
export function initProcessMetrics(registry: Registry = metricsRegistry): void {
  if (registry === metricsRegistry) {
    if (defaultsCollected) return;
    defaultsCollected = true;
  }
  collectDefaultMetrics({ register: registry });
  const info = gauge({ name: 'strata_build_info', help: 'Build information; always 1', labelNames: ['version', 'node_version'] }, registry);
  info.set({ version: VERSION, node_version: process.version }, 1);
  gauge({ name: 'strata_up', help: '1 while this Strata process is serving' }, registry).set(1);
}

interface MetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

function existing<M>(registry: Registry, name: string, ctor: abstract new (...args: never[]) => unknown): M | undefined {
  const m: Metric | undefined = registry.getSingleMetric(name);
  if (m === undefined) return undefined;
  if (!(m instanceof ctor)) throw new Error(`metric ${name} is already registered with another type`);
  return m as M;
}

export function counter<L extends string = string>(config: MetricConfig<L>, registry: Registry = metricsRegistry): Counter<L> {
  return existing<Counter<L>>(registry, config.name, Counter) ?? new Counter<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

export function gauge<L extends string = string>(
  config: MetricConfig<L> & { collect?: (this: Gauge<L>) => void | Promise<void> },
  registry: Registry = metricsRegistry,
): Gauge<L> {
  return existing<Gauge<L>>(registry, config.name, Gauge) ?? new Gauge<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

/** Default buckets suit object-store and produce latencies: 1 ms … 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Byte-size buckets: 1 KiB … 64 MiB. */
export const SIZE_BUCKETS = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 8388608, 16777216, 67108864];

export function histogram<L extends string = string>(
  config: MetricConfig<L> & { buckets?: number[] },
  registry: Registry = metricsRegistry,
): Histogram<L> {
  return (
    existing<Histogram<L>>(registry, config.name, Histogram) ??
    new Histogram<L>({ ...config, labelNames: config.labelNames ?? [], buckets: config.buckets ?? LATENCY_BUCKETS, registers: [registry] })
  );
}
