/**
 * Per-key lock files for FsStore, safe across processes: `<dir>/.strata-lock-<name>` created with O_EXCL.
 * The lock file holds "<pid> <hostname> <time>". A lock is abandoned when its holder process on this host is
 * gone (a SIGKILL mid-write) or when it is older than `staleMs` (a holder on another host sharing the
 * directory). It is taken over by renaming it away first, so of several processes that find the same
 * abandoned lock only one removes it; the renamed file is checked to be the one judged abandoned and put
 * back if a live holder's lock was caught instead. Lock hold times are a few milliseconds (one stat + one
 * rename), so a live lock is never anywhere near stale.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StrataError } from '../errors.js';

export const RESERVED_PREFIX = '.strata-';

const HOST = hostname();

export interface LockOptions {
  /** A lock file older than this is considered abandoned. Default 30 s. */
  staleMs?: number;
  /** Give up waiting after this long. Default 30 s. */
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/** Runs fn while holding the lock file `lockPath` (its directory is created if missing). */
export async function withLock<T>(lockPath: string, dir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let wait = 1;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      try {
        await fh.writeFile(`${process.pid} ${HOST} ${new Date().toISOString()}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if (code(err) === 'ENOENT') {
        await mkdir(dir, { recursive: true });
        continue;
      }
      if (code(err) !== 'EEXIST') throw ioError(err, lockPath, 'create lock');
    }
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) {
      throw new StrataError('STRATA_ERR_STORE_IO', `timed out waiting for lock ${lockPath}`, { details: { path: lockPath } });
    }
    await sleep(wait * (0.5 + Math.random() / 2)); // jitter only; nothing deterministic depends on it
    wait = Math.min(wait * 2, 20);
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let st;
  let owner: string;
  try {
    st = await stat(lockPath);
    owner = await readFile(lockPath, 'utf8');
  } catch {
    return; // released meanwhile
  }
  if (Date.now() - st.mtimeMs < staleMs && !holderIsDead(owner)) return;
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else took it over first
  }
  const caught = await readFile(aside, 'utf8').catch(() => owner);
  // Another process broke the same lock and took a fresh one between our read and our rename: give it back.
  if (caught !== owner) await link(aside, lockPath).catch(() => {});
  await unlink(aside).catch(() => {});
}

/** True when the lock names a process on this host that no longer exists. */
export function holderIsDead(owner: string): boolean {
  const [pidText, host] = owner.split(' ');
  const pid = Number(pidText);
  if (host !== HOST || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return code(err) === 'ESRCH';
  }
}

export function ioError(err: unknown, path: string, what: string): StrataError {
  if (err instanceof StrataError) return err;
  const c = code(err);
  return new StrataError('STRATA_ERR_STORE_IO', `filesystem store: ${what} failed for ${path}: ${c ?? (err as Error)?.message}`, {
    cause: err,
    details: { path, errno: c },
  });
}
