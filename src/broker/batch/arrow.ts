/**
 * Arrow IPC stream encoding of a batch (docs/reference/batch-format.md): one record batch with columns
 *   partition int32, offset int64, timestamp int64 (ms), key binary (nullable), value
 * where `value` is `binary` when value sizes differ, and — when every value has the same size S (and
 * there is at least one record) — the canonical fixed-shape tensor extension type
 * (`arrow.fixed_shape_tensor`, storage FixedSizeList<uint8>[S], shape [S]) so readers get one
 * contiguous N×S array without copying. Schema metadata `strata.value_layout` = `fixed` | `variable`.
 * No I/O.
 */
import { Binary, Field, FixedSizeList, Int32, Int64, RecordBatch, Schema, Struct, Table, Uint8, makeData, tableToIPC, type Data, type DataType } from 'apache-arrow';
import { copyBytes } from '../../../cache/index.js';
import type { BatchRecord } from './types.js';

function binaryData(parts: Array<Buffer | null>): Data<Binary> {
  const offsets = new Int32Array(parts.length + 1);
  let total = 0;
  parts.forEach((p, i) => {
    total += p?.length ?? 0;
    offsets[i + 1] = total;
  });
  const bytes = Buffer.allocUnsafe(total); // every byte is written: the parts cover [0, total)
  const nulls = new Uint8Array(Math.ceil(parts.length / 8));
  let nullCount = 0;
  parts.forEach((p, i) => {
    if (p) {
      copyBytes(p, bytes, offsets[i]!);
      nulls[i >> 3]! |= 1 << (i & 7);
    } else nullCount++;
  });
  return makeData({ type: new Binary(), length: parts.length, nullCount, nullBitmap: nullCount ? nulls : undefined, valueOffsets: offsets, data: bytes });
}

function int64Data(values: number[]): Data<Int64> {
  return makeData({ type: new Int64(), length: values.length, data: BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))) });
}

export function encodeArrow(records: BatchRecord[], nextOffset: number): Uint8Array {
  const n = records.length;
  const sizes = records.map((r) => r.value?.length ?? 0);
  const fixed = n > 0 && sizes[0]! > 0 && sizes.every((s) => s === sizes[0]) && records.every((r) => r.value !== null) ? sizes[0]! : -1;

  let valueField: Field;
  let valueData: Data<DataType>;
  if (fixed > 0) {
    const flat = Buffer.allocUnsafe(n * fixed);
    records.forEach((r, i) => copyBytes(r.value!, flat, i * fixed));
    const type = new FixedSizeList(fixed, new Field('item', new Uint8(), false));
    const meta = new Map([
      ['ARROW:extension:name', 'arrow.fixed_shape_tensor'],
      ['ARROW:extension:metadata', JSON.stringify({ shape: [fixed] })],
    ]);
    valueField = new Field('value', type, false, meta);
    valueData = makeData({ type, length: n, child: makeData({ type: new Uint8(), length: n * fixed, data: flat }) });
  } else {
    valueField = new Field('value', new Binary(), true);
    valueData = binaryData(records.map((r) => r.value));
  }
  const fields = [
    new Field('partition', new Int32(), false),
    new Field('offset', new Int64(), false),
    new Field('timestamp', new Int64(), false),
    new Field('key', new Binary(), true),
    valueField,
  ];
  const children = [
    makeData({ type: new Int32(), length: n, data: Int32Array.from(records, (r) => r.partition) }),
    int64Data(records.map((r) => r.offset)),
    int64Data(records.map((r) => r.timestamp)),
    binaryData(records.map((r) => r.key)),
    valueData,
  ];
  const schema = new Schema(fields, new Map([
    ['strata.value_layout', fixed > 0 ? 'fixed' : 'variable'],
    ['strata.next_offset', String(nextOffset)],
  ]));
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, children }));
  return tableToIPC(new Table(schema, [batch]), 'stream');
}
