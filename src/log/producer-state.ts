/**
 * Idempotent producer state of one partition (KIP-98): per producer id the epoch and the last 5
 * batches' sequence ranges with their offsets. A duplicate of one of them resolves with the original
 * offsets; a gap fails with STRATA_ERR_OUT_OF_ORDER_SEQUENCE; an older epoch with
 * STRATA_ERR_PRODUCER_FENCED. Rebuilt at recovery from the manifest checkpoint + WAL batch headers.
 */
import { StrataError } from '../errors.js';
import type { ProducerCheckpoint, SeqEntry } from './manifest.js';

const KEEP = 5;
const MAX_SEQ = 2 ** 31;

export interface PendingOffsets {
  baseOffset: number;
  lastOffset: number;
}

interface Entry {
  firstSeq: number;
  lastSeq: number;
  /** Offsets once durable, or the promise of the append that is still on its way. */
  result: PendingOffsets | Promise<PendingOffsets>;
}

interface Producer {
  epoch: number;
  entries: Entry[];
}

export type SequenceCheck = { kind: 'new' } | { kind: 'duplicate'; result: PendingOffsets | Promise<PendingOffsets> };

export class ProducerStates {
  private readonly producers = new Map<string, Producer>();

  /** Validates a batch's (producerId, epoch, baseSequence, count) against the state. */
  check(producerId: bigint, epoch: number, baseSequence: number, count: number): SequenceCheck {
    const p = this.producers.get(producerId.toString());
    if (!p) return { kind: 'new' };
    if (epoch < p.epoch) throw new StrataError('STRATA_ERR_PRODUCER_FENCED', `producer ${producerId} epoch ${epoch} is older than ${p.epoch}`);
    if (epoch > p.epoch) {
      // [KIP-98] a bumped epoch starts its sequences at 0.
      if (baseSequence !== 0) throw new StrataError('STRATA_ERR_OUT_OF_ORDER_SEQUENCE', `producer ${producerId} new epoch ${epoch} must start at sequence 0, got ${baseSequence}`);
      return { kind: 'new' };
    }
    const lastSeq = (baseSequence + count - 1) % MAX_SEQ;
    const dup = p.entries.find((e) => e.firstSeq === baseSequence && e.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', result: dup.result };
    const last = p.entries[p.entries.length - 1];
    if (last && baseSequence !== (last.lastSeq + 1) % MAX_SEQ) {
      throw new StrataError('STRATA_ERR_OUT_OF_ORDER_SEQUENCE', `producer ${producerId} expected sequence ${(last.lastSeq + 1) % MAX_SEQ}, got ${baseSequence}`);
    }
    return { kind: 'new' };
  }

  record(producerId: bigint, epoch: number, baseSequence: number, count: number, result: PendingOffsets | Promise<PendingOffsets>): void {
    const id = producerId.toString();
    let p = this.producers.get(id);
    if (!p || epoch > p.epoch) {
      p = { epoch, entries: [] };
      this.producers.set(id, p);
    }
    const entry: Entry = { firstSeq: baseSequence, lastSeq: (baseSequence + count - 1) % MAX_SEQ, result };
    p.entries.push(entry);
    if (p.entries.length > KEEP) p.entries.shift();
    if (result instanceof Promise) {
      result.then(
        (r) => (entry.result = r),
        () => {
          // A failed append never happened: forget it so the producer's retry is not a "duplicate" of a failure.
          const i = p!.entries.indexOf(entry);
          if (i >= 0) p!.entries.splice(i, 1);
        },
      );
    }
  }

  /** Durable state only (pending entries left out), for a manifest checkpoint. */
  snapshot(): Record<string, ProducerCheckpoint> {
    const out: Record<string, ProducerCheckpoint> = {};
    for (const [id, p] of this.producers) {
      const batches: SeqEntry[] = [];
      for (const e of p.entries) if (!(e.result instanceof Promise)) batches.push([e.firstSeq, e.lastSeq, e.result.baseOffset, e.result.lastOffset]);
      out[id] = { epoch: p.epoch, batches };
    }
    return out;
  }

  static fromCheckpoint(cp: Record<string, ProducerCheckpoint> | undefined): ProducerStates {
    const s = new ProducerStates();
    for (const [id, p] of Object.entries(cp ?? {})) {
      s.producers.set(id, { epoch: p.epoch, entries: p.batches.map(([firstSeq, lastSeq, baseOffset, lastOffset]) => ({ firstSeq, lastSeq, result: { baseOffset, lastOffset } })) });
    }
    return s;
  }
}

/** Replays a durable batch at recovery (skips what the checkpoint already holds). */
export function replayBatch(states: ProducerStates, producerId: bigint, epoch: number, baseSequence: number, count: number, offsets: PendingOffsets): void {
  if (producerId < 0n) return;
  try {
    const c = states.check(producerId, epoch, baseSequence, count);
    if (c.kind === 'duplicate') return;
  } catch {
    // Recovery trusts what was acknowledged; a sequence the live check would reject is recorded anyway.
  }
  states.record(producerId, epoch, baseSequence, count, offsets);
}
