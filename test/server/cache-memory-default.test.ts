import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultCacheMemory, memoryLimit } from '../../src/server/options/core.js';
import { resolveConfig } from '../../src/server/config.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('cacheMemory default', () => {
  it('is 1/8 of the memory the process may use, between 256 MiB and 8 GiB, in whole MiB', () => {
    expect(defaultCacheMemory(24 * GiB)).toBe(3 * GiB);
    expect(defaultCacheMemory(1 * GiB)).toBe(256 * MiB); // a small container still gets the old default
    expect(defaultCacheMemory(512 * GiB)).toBe(8 * GiB);
    expect(defaultCacheMemory(10 * GiB + 7) % MiB).toBe(0);
  });
  it('applies when the option is not given, and an explicit size wins', () => {
    expect(resolveConfig({ argv: [], env: {} }).config.cacheMemory).toBe(defaultCacheMemory(memoryLimit()));
    expect(resolveConfig({ argv: ['--cache-memory', '64MiB'], env: {} }).config.cacheMemory).toBe(64 * MiB);
    expect(resolveConfig({ argv: [], env: { STRATA_CACHE_MEMORY: '300MiB' } }).config.cacheMemory).toBe(300 * MiB);
  });
  it('reads the memory limit as at most the machine RAM', () => {
    expect(memoryLimit()).toBeGreaterThan(0);
    expect(memoryLimit()).toBeLessThanOrEqual(totalmem());
  });
});
