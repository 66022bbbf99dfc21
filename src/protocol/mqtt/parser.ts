/**
 * mqtt-packet's parser, made lighter per connection: its input buffer is a `bl` BufferListStream, a
 * full Duplex stream (~1.5 KiB per idle connection). The parser only uses the BufferList methods, so
 * each instance gets a plain BufferList from the same `bl` package instead. Behaviour is unchanged.
 */
import { createRequire } from 'node:module';
import mqtt from 'mqtt-packet';

const requireFromPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const { BufferList } = requireFromPacket('bl') as { BufferList: new () => unknown };

interface ParserInternals {
  _list: unknown;
  _resetState(): void;
  packet: unknown;
  error: unknown;
  _stateCounter: number;
}

export function createParser(): mqtt.Parser {
  const parser = mqtt.parser({});
  const p = parser as unknown as ParserInternals;
  const original = p._resetState.bind(parser);
  p._resetState = function resetState(): void {
    original();
    p._list = new BufferList();
  };
  p._list = new BufferList();
  return parser;
}
