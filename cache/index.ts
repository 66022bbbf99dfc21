/** @strata/cache — the tiered block cache. Public API; see docs/cache.md. */
export { TieredCache, DEFAULT_BLOCK_SIZE, DEFAULT_MEMORY_BYTES } from './tiered-cache.js';
export { CacheError, type CacheErrorCode } from './errors.js';
export { blockId, blocksFor, type BlockRef } from './block.js';
export type {
  BlockSource,
  ObjectRef,
  TieredCacheOptions,
  SsdOptions,
  PrefetchOptions,
  ReadOptions,
  HintRange,
  CacheStats,
  Lease,
  CacheLogger,
  Tier,
} from './types.js';
export { copyBytes, concatBytes } from './bytes.js';
