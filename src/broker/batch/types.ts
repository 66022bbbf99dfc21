/** A record as the batch encoders take it (from a written topic or a mount). */
export interface BatchRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

export const BATCH_FORMATS = ['arrow', 'raw'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];
