/** Builds ustar archives in memory for tests (and benchmarks): members in the order given. */
function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

export function tarMember(name: string, data: Buffer): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  if (Buffer.byteLength(name) > 100) {
    const body = paxRecord('path', name);
    const paxPad = Buffer.alloc((512 - (body.length % 512)) % 512);
    return Buffer.concat([header('PaxHeader', body.length, 'x'), body, paxPad, header(name.slice(-99), data.length), data, pad]);
  }
  return Buffer.concat([header(name, data.length), data, pad]);
}

function paxRecord(key: string, value: string): Buffer {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
  return Buffer.from(`${len}${rest}`);
}

export function tarArchive(members: Array<[string, Buffer]>): Buffer {
  return Buffer.concat([...members.map(([n, d]) => tarMember(n, d)), Buffer.alloc(1024)]);
}
