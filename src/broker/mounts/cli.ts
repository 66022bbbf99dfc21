/**
 * `strata mount <s3://bucket/prefix | file:///dir> --topic <ns>/<name> [--format raw|jsonl|csv|tar]
 *  [--url http://127.0.0.1:8080] [--no-wait]` — creates a mount on a running broker through its HTTP API
 * and, unless --no-wait, draws a progress bar on stderr until every discovered object is indexed.
 */
import { MOUNT_FORMATS, type MountStatus } from './types.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const MOUNT_USAGE = `Usage: strata mount <s3://bucket/prefix | file:///dir> --topic <namespace>/<name> [--format ${MOUNT_FORMATS.join('|')}]
                    [--url <broker http url, default $STRATA_URL or http://127.0.0.1:8080>] [--no-wait]
`;

interface MountArgs {
  source: string;
  ns: string;
  topic: string;
  format: string;
  url: string;
  wait: boolean;
}

export function parseMountArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): MountArgs | string {
  let source: string | undefined;
  let target: string | undefined;
  let format = 'raw';
  let url = env.STRATA_URL || 'http://127.0.0.1:8080';
  let wait = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--topic') target = value();
    else if (flag === '--format') format = value() ?? '';
    else if (flag === '--url') url = value() ?? '';
    else if (flag === '--no-wait') wait = false;
    else if (!a.startsWith('--') && source === undefined) source = a;
    else return `unexpected argument "${a}"`;
  }
  if (!source) return 'missing the source (s3://bucket/prefix or file:///dir)';
  const m = /^([^/]+)\/([^/]+)$/.exec(target ?? '');
  if (!m) return '--topic must be <namespace>/<name>';
  if (!(MOUNT_FORMATS as readonly string[]).includes(format)) return `--format must be one of ${MOUNT_FORMATS.join(', ')}`;
  return { source, ns: m[1]!, topic: m[2]!, format, url: url.replace(/\/+$/, ''), wait };
}

function bar(s: MountStatus): string {
  const { objectsIndexed: done, objectsTotal: total, listing } = s.progress;
  const width = 30;
  const frac = total > 0 ? done / total : 0;
  const filled = Math.round(frac * width);
  return `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${listing ? '+' : ''} objects, ${s.highWatermark} records`;
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function runMountCommand(argv: string[], io: CliIo, options: { pollMs?: number; isTty?: boolean } = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(MOUNT_USAGE);
    return 0;
  }
  const args = parseMountArgs(argv);
  if (typeof args === 'string') {
    io.err(`strata mount: ${args}\n${MOUNT_USAGE}`);
    return 2;
  }
  const base = `${args.url}/v1/namespaces/${encodeURIComponent(args.ns)}/mounts`;
  let r;
  try {
    r = await call('POST', base, { source: args.source, topic: args.topic, format: args.format });
  } catch (err) {
    io.err(`strata mount: cannot reach the broker at ${args.url}: ${(err as Error).message}\n`);
    return 1;
  }
  if (r.status !== 201) {
    const e = r.json.error as { code?: string; message?: string } | undefined;
    io.err(`strata mount: ${e?.message ?? `HTTP ${r.status}`} (${e?.code ?? 'unknown'})\n`);
    return 1;
  }
  let status = r.json as unknown as MountStatus;
  const tty = options.isTty ?? Boolean(process.stderr.isTTY);
  while (args.wait && (status.progress.listing || status.progress.objectsIndexed < status.progress.objectsTotal)) {
    if (tty) io.err(bar(status));
    await new Promise((res) => setTimeout(res, options.pollMs ?? 250));
    const d = await call('GET', `${base}/${encodeURIComponent(args.topic)}`);
    if (d.status !== 200) break;
    status = d.json as unknown as MountStatus;
  }
  if (args.wait) io.err(`${bar(status)}\n`);
  io.out(JSON.stringify(status, null, 2) + '\n');
  return 0;
}
