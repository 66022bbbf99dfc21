/**
 * `strata status [--url URL] [--json]`: asks a running broker's /readyz and /metrics.
 * Exit codes (as the admin CLI, docs/reference/cli.md): 0 ready, 1 not ready, 2 usage error, 3 unreachable.
 */
interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface Readyz {
  status: string;
  failing?: string[];
  components: Record<string, { ready: boolean; reason?: string }>;
}

export interface StatusReport {
  url: string;
  reachable: boolean;
  ready: boolean;
  version?: string;
  components: Record<string, { ready: boolean; reason?: string }>;
  /** From GET /v1/status (absent on brokers without it). */
  uptimeSeconds?: number;
  listeners?: Record<string, number>;
  error?: string;
}

function defaultUrl(env: NodeJS.ProcessEnv): string {
  if (env.STRATA_URL) return env.STRATA_URL;
  const host = !env.STRATA_HOST || env.STRATA_HOST === '0.0.0.0' || env.STRATA_HOST === '::' ? '127.0.0.1' : env.STRATA_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.STRATA_HTTP_PORT || 8080}`;
}

export async function fetchStatus(url: string, timeoutMs = 5000): Promise<StatusReport> {
  const base = url.replace(/\/+$/, '');
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const ready = await fetch(`${base}/readyz`, { signal });
    const body = (await ready.json()) as Readyz;
    const metrics = await fetch(`${base}/metrics`, { signal }).then((r) => (r.ok ? r.text() : ''), () => '');
    const version = /^strata_build_info\{(?:[^}]*,)?version="([^"]+)"/m.exec(metrics)?.[1];
    type Extra = { uptimeSeconds?: number; listeners?: Record<string, number> };
    const extra: Extra = await fetch(`${base}/v1/status`, { signal }).then((r) => (r.ok ? (r.json() as Promise<Extra>) : {}), () => ({}));
    return { url: base, reachable: true, ready: ready.status === 200, version, components: body.components ?? {}, uptimeSeconds: extra.uptimeSeconds, listeners: extra.listeners };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { url: base, reachable: false, ready: false, components: {}, error: `cannot reach ${base} (${cause})` };
  }
}

export async function runStatusCommand(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let url = defaultUrl(env);
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--url' && argv[i + 1]) url = argv[++i];
    else if (a.startsWith('--url=')) url = a.slice(6);
    else {
      io.err(`strata status: unexpected argument "${a}" (usage: strata status [--url http://host:8080] [--json])\n`);
      return 2;
    }
  }
  const report = await fetchStatus(url);
  if (json) {
    io.out(JSON.stringify(report, null, 2) + '\n');
  } else if (!report.reachable) {
    io.err(`strata status: ${report.error}\n`);
  } else {
    const rows = Object.entries(report.components);
    const width = Math.max(9, ...rows.map(([n]) => n.length));
    const lines = [`strata ${report.version ?? '?'} at ${report.url}: ${report.ready ? 'ready' : 'NOT READY'}`, '', `${'component'.padEnd(width)}  ready  reason`];
    for (const [name, c] of rows) lines.push(`${name.padEnd(width)}  ${(c.ready ? 'yes' : 'NO').padEnd(5)}  ${c.reason ?? ''}`.trimEnd());
    if (report.listeners) lines.push('', `listeners: ${Object.entries(report.listeners).map(([p, port]) => `${p} ${port}`).join(', ')}; up ${report.uptimeSeconds ?? '?'} s`);
    io.out(lines.join('\n') + '\n');
  }
  return report.ready ? 0 : report.reachable ? 1 : 3;
}
