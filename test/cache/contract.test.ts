/** The cache contract over the in-memory store: memory only, and memory + SSD. */
import { MemoryStore } from '../../src/store/memory.js';
import { cacheContract } from './contract.js';

cacheContract('memory only over MemoryStore', async () => ({ store: new MemoryStore(), ssd: false }));
cacheContract('memory + SSD over MemoryStore', async () => ({ store: new MemoryStore(), ssd: true }));
