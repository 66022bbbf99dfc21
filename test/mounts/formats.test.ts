import { describe, expect, it } from 'vitest';
import { indexCsv } from '../../src/broker/mounts/formats/csv.js';
import { indexLines } from '../../src/broker/mounts/formats/jsonl.js';
import { indexTar, sampleKey } from '../../src/broker/mounts/formats/tar.js';
import type { RecordIndex } from '../../src/broker/mounts/types.js';
import { tarArchive } from './tar-fixture.js';

const slices = (body: Buffer, ix: RecordIndex): string[] => ix.starts.map((s, i) => body.subarray(s, ix.ends[i]).toString());

describe('jsonl indexer', () => {
  it('splits lines, drops \\r and empty lines, keeps a last line without newline', () => {
    const body = Buffer.from('{"a":1}\r\n\n{"b":2}\n{"c":3}');
    expect(slices(body, indexLines(body))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(indexLines(Buffer.alloc(0)).starts).toEqual([]);
  });
});

describe('csv indexer', () => {
  it('skips the header row, respects quoted commas and line breaks', () => {
    const body = Buffer.from('id,text\r\n1,"a,b"\r\n2,"line1\nline2 ""q"""\n\n3,x');
    const ix = indexCsv(body);
    expect(ix.header).toBe('id,text');
    expect(slices(body, ix)).toEqual(['1,"a,b"', '2,"line1\nline2 ""q"""', '3,x']);
  });
});

describe('tar indexer (WebDataset samples)', () => {
  it('groups adjacent members by sample key; values are valid tar fragments', () => {
    const long = 'd/' + 'x'.repeat(120) + '.txt';
    const body = tarArchive([
      ['s/000.jpg', Buffer.from('JPEG0')],
      ['s/000.cls', Buffer.from('7')],
      ['s/001.jpg', Buffer.alloc(700, 1)],
      ['s/001.meta.json', Buffer.from('{}')],
      [long, Buffer.from('long')],
    ]);
    const ix = indexTar(body);
    expect(ix.keys).toEqual(['s/000', 's/001', 'd/' + 'x'.repeat(120)]);
    expect(ix.starts[0]).toBe(0);
    expect(ix.ends[0]).toBe(ix.starts[1]);
    expect(ix.ends[1]! - ix.starts[1]!).toBe(512 + 1024 + 512 + 512);
    expect(ix.ends[2]).toBe(body.length - 1024);
  });
  it('sample keys follow WebDataset: up to the first dot of the basename', () => {
    expect(sampleKey('a.b/c.d.e')).toBe('a.b/c');
    expect(sampleKey('plain')).toBe('plain');
  });
  it('rejects a truncated archive with a data error', () => {
    const body = tarArchive([['a.bin', Buffer.alloc(2000)]]).subarray(0, 1000);
    expect(() => indexTar(body)).toThrow(/past the end/);
  });
});
