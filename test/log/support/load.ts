/**
 * HTTP produce load and read-back verification for the real-process log tests. Producers send batches of
 * unique values, record every acknowledgement (partition, offset → value) and keep going across
 * crashes and outages (they retry on connection errors and on retriable error answers).
 */
import { mulberry32 } from '../../../src/store/fault.js';

export interface Ack {
  partition: number;
  offset: number;
  value: string;
}

export interface LoadStats {
  acked: number;
  requests: number;
  /** Answers with an error body, by code. */
  errors: Record<string, number>;
  /** Requests that failed without an answer (connection refused/reset). */
  connectionErrors: number;
  /** Acked record count at each second since start. */
  timeline: number[];
}

export class ProduceLoad {
  readonly acks: Ack[] = [];
  readonly stats: LoadStats = { acked: 0, requests: 0, errors: {}, connectionErrors: 0, timeline: [] };
  private stopped = false;
  private workers: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: () => number | undefined,
    private readonly path: string,
    private readonly opts: { producers: number; batch: number; target: number; valueBytes?: number },
  ) {}

  start(): void {
    const t0 = Date.now();
    this.timer = setInterval(() => this.stats.timeline.push(this.stats.acked), 1000);
    void t0;
    for (let w = 0; w < this.opts.producers; w++) this.workers.push(this.worker(w));
  }

  get done(): boolean {
    return this.stats.acked >= this.opts.target;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
    clearInterval(this.timer);
  }

  private async worker(w: number): Promise<void> {
    const pad = 'x'.repeat(Math.max(0, (this.opts.valueBytes ?? 24) - 16));
    let seq = 0;
    while (!this.stopped && !this.done) {
      const port = this.port();
      if (port === undefined) {
        await sleep(50);
        continue;
      }
      const values = Array.from({ length: this.opts.batch }, () => `w${w}-${seq++}-${pad}`);
      this.stats.requests++;
      try {
        const res = await fetch(`http://127.0.0.1:${port}${this.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(values.map((value, i) => ({ value, key: `k${(seq + i) % 97}` }))),
          signal: AbortSignal.timeout(60_000),
        });
        const body = (await res.json()) as { records?: Array<{ partition: number; offset: number }>; error?: { code: string; retriable: boolean } };
        if (res.status === 200 && body.records) {
          body.records.forEach((r, i) => this.acks.push({ partition: r.partition, offset: r.offset, value: values[i]! }));
          this.stats.acked += values.length;
        } else {
          const code = body.error?.code ?? `HTTP ${res.status}`;
          this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
          await sleep(100);
        }
      } catch {
        this.stats.connectionErrors++;
        await sleep(100);
      }
    }
  }
}

export interface ReadBack {
  /** partition → values in offset order, from offset 0. */
  partitions: string[][];
  problems: string[];
}

/** Reads every partition from 0 to the high watermark and checks offsets are contiguous and unique. */
export async function readAll(port: number, base: string, partitions: number): Promise<ReadBack> {
  const out: string[][] = [];
  const problems: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const values: string[] = [];
    let offset = 0;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}${base}/partitions/${p}/records?offset=${offset}&max_bytes=8388608`);
      const body = (await res.json()) as { records: Array<{ offset: number; value: string }>; next_offset: number; high_watermark: number; log_start_offset: number; error?: unknown };
      if (res.status !== 200) {
        problems.push(`partition ${p} offset ${offset}: HTTP ${res.status} ${JSON.stringify(body.error)}`);
        break;
      }
      for (const r of body.records) {
        if (r.offset !== values.length) problems.push(`partition ${p}: expected offset ${values.length}, got ${r.offset}`);
        values.push(r.value);
      }
      offset = body.next_offset;
      if (offset >= body.high_watermark) break;
      if (body.records.length === 0) {
        problems.push(`partition ${p}: empty read at ${offset} below the high watermark ${body.high_watermark}`);
        break;
      }
    }
    out.push(values);
  }
  return { partitions: out, problems };
}

/** Every acknowledged record must be at its acknowledged offset. */
export function checkAcks(acks: Ack[], back: ReadBack): string[] {
  const problems = [...back.problems];
  for (const a of acks) {
    const got = back.partitions[a.partition]?.[a.offset];
    if (got !== a.value) {
      problems.push(`acked ${a.value} at ${a.partition}/${a.offset}, read ${got}`);
      if (problems.length > 20) break;
    }
  }
  return problems;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32, the fault store's) so a failing kill schedule replays. */
export const rng = mulberry32;
