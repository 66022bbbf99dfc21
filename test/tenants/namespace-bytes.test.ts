/** TopicLog.namespaceBytes: what the maxStoredBytes quota measures (src/broker/tenants/quotas.ts). */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { open, v } from '../log/helpers.js';

describe('TopicLog.namespaceBytes', () => {
  it('sums the stored batches of every partition of the namespace, follows compaction, retention and deletion', async () => {
    const log = await open(new MemoryStore());
    expect(log.namespaceBytes('a')).toBe(0);
    await log.createTopic('a', 't1', { partitions: 2, retentionBytes: 300 });
    await log.createTopic('a', 't2');
    await log.createTopic('b', 't1');
    expect(log.namespaceBytes('a')).toBe(0);
    const r1 = await log.append('a', 't1', 0, [v('x'.repeat(50))]);
    expect(r1.baseOffset).toBe(0);
    const one = log.namespaceBytes('a');
    expect(one).toBeGreaterThan(50); // batch header + record
    expect(one).toBeLessThan(200);
    await log.append('a', 't1', 1, [v('x'.repeat(50))]);
    await log.append('a', 't2', 0, [v('x'.repeat(50))]);
    expect(log.namespaceBytes('a')).toBe(3 * one);
    await log.append('b', 't1', 0, [v('y'.repeat(1000))]);
    expect(log.namespaceBytes('a')).toBe(3 * one); // other namespaces do not count
    expect(log.namespaceBytes('b')).toBeGreaterThan(1000);
    // compaction moves data from WAL to segments: same bytes
    await log.compact();
    expect(log.namespaceBytes('a')).toBe(3 * one);
    // retention (300 bytes per partition) drops old segments of partition 0
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) await log.append('a', 't1', 0, [v('x'.repeat(50))]);
      await log.compact();
    }
    const info = log.getTopic('a', 't1')!.partitions[0]!;
    expect(info.logStartOffset).toBeGreaterThan(0);
    const held = info.highWatermark - info.logStartOffset;
    expect(log.namespaceBytes('a')).toBe((held + 2) * one);
    await log.deleteTopic('a', 't1');
    expect(log.namespaceBytes('a')).toBe(one);
    await log.close();
  });
});
