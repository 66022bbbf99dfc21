/**
 * mqtt-packet's parser, made lighter per connection: its input buffer is a `bl` BufferListStream, a
 * full Duplex stream (~1.5 KiB per idle connection). The parser only uses the BufferList methods, so
 * each instance gets a plain BufferList from the same `bl` package instead. Behaviour is unchanged.
 *
 * Once the protocol version is known (set after CONNECT) and nothing is buffered mid-packet, the complete
 * PUBLISH and PUBACK/PUBREC/PUBREL/PUBCOMP packets at the start of a chunk are decoded by `decodeHot`
 * (fast-parse.ts), without the BufferList and state machine; the first packet it does not take and
 * everything after it go to mqtt-packet as before, so packet order and error handling are unchanged.
 * (A connection keeps no parser at all between packets once it is open: see MqttConnection.onData.)
 */
import { createRequire } from 'node:module';
import mqtt from 'mqtt-packet';
import { decodeHotRun } from './fast-parse.js';

const requireFromPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const { BufferList } = requireFromPacket('bl') as { BufferList: new () => unknown };

interface ParserInternals {
  _list: { length: number };
  settings: { protocolVersion?: number };
  _resetState(): void;
  packet: unknown;
  error: unknown;
  _stateCounter: number;
}

/** Whether a parser holds no part of a packet (it can be dropped without losing input). */
export function parserIdle(parser: mqtt.Parser): boolean {
  const p = parser as unknown as ParserInternals;
  return p._list.length === 0 && p._stateCounter === 0 && !p.error;
}

export function createParser(protocolVersion?: number): mqtt.Parser {
  const parser = mqtt.parser(protocolVersion === undefined ? {} : { protocolVersion });
  const p = parser as unknown as ParserInternals;
  const original = p._resetState.bind(parser);
  p._resetState = function resetState(): void {
    original();
    p._list = new BufferList() as { length: number };
  };
  p._list = new BufferList() as { length: number };
  const slowParse = parser.parse.bind(parser);
  parser.parse = function parse(buf: Buffer): number {
    const version = p.settings.protocolVersion;
    if (version === undefined || p._stateCounter !== 0 || p._list.length !== 0 || p.error) return slowParse(buf);
    const o = decodeHotRun(buf, version, (packet) => parser.emit('packet', packet));
    return o === buf.length ? 0 : slowParse(o === 0 ? buf : buf.subarray(o));
  };
  return parser;
}
