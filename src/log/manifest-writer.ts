/**
 * Serialized manifest updates and the fence check of this writer (docs/reference/storage-format.md,
 * "Fencing"). Every update creates manifest id+1 with ifNoneMatch '*'; losing that race means another
 * node took over, so this node is fenced. checkFence() looks for a manifest after the newest one this
 * node knows and treats one written by anybody else as fencing.
 */
import type { Logger } from 'pino';
import { StrataError, isStrataError } from '../errors.js';
import { encodeManifest, type Manifest, type ManifestStore } from './manifest.js';

const TRANSIENT_RETRY_MS = 30_000;

export class ManifestWriter {
  private chain: Promise<unknown> = Promise.resolve();
  fenced: StrataError | undefined;
  /** performance.now() at the start of the newest fence check that found no other writer. */
  private clearSince = -Infinity;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly manifests: ManifestStore,
    private readonly logger: Logger,
    public current: Manifest,
    private readonly onFenced: (err: StrataError) => void,
  ) {}

  get writerId(): string {
    return this.current.writerId;
  }

  /** Applies `mutate` to a copy of the current manifest and writes it as the next id (serialized). */
  update(mutate: (draft: Manifest) => void | Promise<void>): Promise<Manifest> {
    const run = this.chain.then(async () => {
      if (this.fenced) throw this.fenced;
      const draft = structuredClone(this.current);
      await mutate(draft);
      draft.id = this.current.id + 1;
      draft.writerId = this.current.writerId;
      draft.createdAt = Date.now();
      await retryTransient(this.logger, 'manifest write', async () => {
        if (await this.manifests.create(draft)) return;
        // Lost the race, or an earlier attempt landed and its answer was lost.
        const other = await this.manifests.read(draft.id);
        if (encodeManifest(other).equals(encodeManifest(draft))) return;
        throw this.fence(`manifest ${draft.id} was written by another node (epoch ${other.writerEpoch})`);
      });
      this.current = draft;
      return draft;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Throws STRATA_ERR_FENCED when a manifest newer than ours was written by another node. */
  async checkFence(): Promise<void> {
    if (this.fenced) throw this.fenced;
    const started = performance.now();
    let id = this.current.id + 1;
    for (;;) {
      const peek = await retryTransient(this.logger, 'fence check', () => this.manifests.peek(id), Infinity);
      if (!peek) {
        if (started > this.clearSince) this.clearSince = started;
        return;
      }
      if (peek.writerId !== this.current.writerId) throw this.fence(`manifest ${id} was written by another node (epoch ${peek.writerEpoch})`);
      id++; // our own update in flight
    }
  }

  /**
   * Before a WAL object that is already durable is acknowledged: throws STRATA_ERR_FENCED if another node may
   * have taken over before it became durable. With a writer lease (`leaseMs` > 0) a node that takes over waits
   * `leaseMs` after its manifest exists before it lists the WAL (openTopicLog), so a fence check that started
   * less than leaseMs / 2 ago and found no other writer proves that any take-over lists the WAL after now, and
   * so sees this object (docs/reference/storage-format.md "Fencing"). Such a check is reused instead of making
   * one HEAD per WAL object, and renewed in the background once it is older than leaseMs / 4.
   */
  async confirmWritable(leaseMs: number): Promise<void> {
    if (this.fenced) throw this.fenced;
    const age = performance.now() - this.clearSince;
    if (leaseMs > 0 && age < leaseMs / 2) {
      if (age > leaseMs / 4 && !this.renewing) {
        this.renewing = this.checkFence()
          .catch(() => undefined) // fencing was reported by fence(); anything else: the next call checks itself
          .finally(() => (this.renewing = undefined));
      }
      return;
    }
    await this.checkFence();
  }

  private fence(message: string): StrataError {
    if (!this.fenced) {
      this.fenced = new StrataError('STRATA_ERR_FENCED', `${message}; this node stops writing`);
      this.onFenced(this.fenced);
    }
    return this.fenced;
  }
}

/** Retries retriable store errors with backoff for up to maxMs (default 30 s). */
export async function retryTransient<T>(logger: Logger, what: string, fn: () => Promise<T>, maxMs = TRANSIENT_RETRY_MS): Promise<T> {
  const deadline = Date.now() + maxMs;
  let delay = 50;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof StrataError && err.retriable && !isStrataError(err, 'STRATA_ERR_FENCED');
      if (!retriable || Date.now() > deadline) throw err;
      if (delay === 50 || delay >= 1000) logger.warn({ err: (err as Error).message, what }, 'object store call failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}
