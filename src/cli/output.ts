/** Output helpers of the admin CLI: aligned tables on stdout, JSON for --json, a progress bar on stderr. */
import type { Io } from './common.js';

export type Cell = string | number | boolean | null | undefined;

function text(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return String(c);
}

/** An aligned table with a header row; numbers are right-aligned. */
export function table(headers: readonly string[], rows: readonly Cell[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const line = (cells: readonly Cell[], header = false): string =>
    cells
      .map((c, i) => (typeof c === 'number' && !header ? text(c).padStart(widths[i]!) : text(c).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers, true), ...rows.map((r) => line(r))].join('\n') + '\n';
}

/** `key: value` lines, keys aligned. */
export function fields(pairs: ReadonlyArray<[string, Cell]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${text(v)}`).join('\n') + '\n';
}

export function json(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d${h}h${m}m` : h > 0 ? `${h}h${m}m${s % 60}s` : m > 0 ? `${m}m${s % 60}s` : `${seconds.toFixed(1)}s`;
}

/**
 * A progress bar on stderr for long operations; drawn only when stderr is a terminal (scripts and --json get
 * clean output). `update(done, total)` redraws in place; `done()` ends the line.
 */
export class ProgressBar {
  private drawn = false;
  private last = 0;

  constructor(
    private readonly io: Io,
    private readonly label: string,
    private readonly enabled = io.isTty ?? Boolean(process.stderr.isTTY),
    private readonly width = 30,
  ) {}

  /** The bar text, e.g. `label [#####-----] 5/10 50%`. */
  static render(label: string, done: number, total: number, width = 30, suffix = ''): string {
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${Math.round(frac * 100)}%${suffix ? ` ${suffix}` : ''}`;
  }

  update(done: number, total: number, suffix = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (this.drawn && now - this.last < 100 && done < total) return;
    this.last = now;
    this.drawn = true;
    this.io.err(`\r${ProgressBar.render(this.label, done, total, this.width, suffix)}\x1b[K`);
  }

  done(): void {
    if (this.enabled && this.drawn) this.io.err('\n');
    this.drawn = false;
  }
}
