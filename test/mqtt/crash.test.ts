/**
 * Crash test on the real process: a persistent QoS 1 subscriber disconnects, messages are published
 * (each PUBACK means durable), the broker is SIGKILLed and restarted on the same data dir, and the
 * subscriber reconnects and receives every acknowledged message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startStrata, type StrataProcess } from '../support/process.js';
import { closeAll, connect, connectCollect } from './helpers.js';

let procs: StrataProcess[] = [];
afterEach(async () => {
  await closeAll();
  for (const p of procs) await p.stop(5000);
  procs = [];
});

describe.each([4, 5] as const)('SIGKILL and restart (MQTT protocol %i)', (protocolVersion) => {
  it('a persistent QoS 1 subscriber receives every acknowledged message', async () => {
    const env = { STRATA_MQTT_PORT: '0', STRATA_KAFKA_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_WAL_LINGER: '5ms' };
    const a = await startStrata({ env });
    procs.push(a);
    expect(a.mqttPort).toBeGreaterThan(0);
    const opts = { protocolVersion, clientId: `durable-${protocolVersion}`, clean: false, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}) };
    const sub = await connect(a.mqttPort!, opts);
    await sub.subscribeAsync('plant/+/temp', { qos: 1 });
    await sub.endAsync();
    const pub = await connect(a.mqttPort!, { protocolVersion });
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      await pub.publishAsync(`plant/${i % 4}/temp`, `t${i}`, { qos: 1 });
      sent.push(`t${i}`);
    }
    a.kill('SIGKILL');
    await a.exited;
    pub.end(true);
    const b = await startStrata({ env, dataDir: a.dataDir });
    procs.push(b);
    const { got } = await connectCollect(b.mqttPort!, opts);
    const m = await got.wait(sent.length, 15_000);
    const payloads = m.map((r) => r.payload.toString());
    expect(new Set(payloads)).toEqual(new Set(sent));
    expect(payloads.slice(0, sent.length)).toEqual(sent); // in order
  });
});
