/**
 * Interop with other clients over real sockets: mosquitto_pub / mosquitto_sub (apt: mosquitto-clients)
 * for MQTT 3.1, 3.1.1 and 5, and Python paho-mqtt 2.x (pip install paho-mqtt) for 3.1.1 and 5.
 * These tools are required in CI; a missing tool fails with the install line.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connect, connectCollect, startBroker, type TestBroker } from './helpers.js';

const run = promisify(execFile);
let tb: TestBroker;
beforeAll(async () => {
  tb = await startBroker();
});
afterAll(async () => {
  await closeAll();
  await tb.close();
});

function need(cmd: string, args: string[], install: string): void {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error) throw new Error(`${cmd} is missing; install it with: ${install}`);
}

/** mosquitto_sub for `count` messages, resolving with its output lines. */
let subs = 0;
/** Resolves once the broker holds a subscription of `clientId` (stdout of a piped mosquitto_sub is block-buffered). */
async function subscribed(clientId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (tb.broker.space('default').sessions.get(clientId)?.subscriptions.size) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${clientId} never subscribed`);
}

function mosquittoSub(args: string[], count: number): { ready: Promise<void>; lines: Promise<string[]> } {
  const id = args.includes('-i') ? args[args.indexOf('-i') + 1]! : `mosq-sub-${++subs}`;
  const p = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(tb.port), '-C', String(count), '-W', '10', ...(args.includes('-i') ? [] : ['-i', id]), ...args]);
  let out = '';
  let err = '';
  const ready = subscribed(id);
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': 'exit' can come before the last stdout data has been read
  const lines = new Promise<string[]>((resolve, reject) =>
    p.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter((l) => l)) : reject(new Error(`mosquitto_sub exited ${code}: ${err}${out}`)))),
  );
  return { ready, lines };
}

describe('mosquitto clients', () => {
  beforeAll(() => need('mosquitto_pub', ['--help'], 'apt-get install -y mosquitto-clients'));

  it.each(['mqttv31', 'mqttv311', 'mqttv5'])('mosquitto_pub → mosquitto_sub, QoS 0/1/2, %s', async (V) => {
    const sub = mosquittoSub(['-V', V, '-t', `m/${V}/#`, '-q', '2', '-v'], 3);
    await sub.ready;
    for (const q of ['0', '1', '2']) await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tb.port), '-V', V, '-t', `m/${V}/q${q}`, '-q', q, '-m', `hello-${q}`]);
    expect(await sub.lines).toEqual([`m/${V}/q0 hello-0`, `m/${V}/q1 hello-1`, `m/${V}/q2 hello-2`]);
  });

  it('mosquitto_pub retained + user property reaches an mqtt.js v5 subscriber', async () => {
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tb.port), '-V', 'mqttv5', '-t', 'mix/r', '-q', '1', '-r', '-m', 'kept', '-D', 'publish', 'user-property', 'k', 'v']);
    const { client, got } = await connectCollect(tb, { protocolVersion: 5 });
    await client.subscribeAsync('mix/#', { qos: 1 });
    const [m] = await got.wait(1);
    expect(m!.payload.toString()).toBe('kept');
    expect(m!.packet.retain).toBe(true);
    expect(m!.packet.properties?.userProperties).toEqual({ k: 'v' });
  });

  it('mqtt.js publishes, mosquitto_sub (persistent session, v3.1.1) receives', async () => {
    const sub = mosquittoSub(['-V', 'mqttv311', '-t', 'js/x', '-q', '1', '-i', 'mosq-sub', '-c'], 2);
    await sub.ready;
    const pub = await connect(tb, { protocolVersion: 4 });
    await pub.publishAsync('js/x', 'a', { qos: 1 });
    await pub.publishAsync('js/x', 'b', { qos: 1 });
    expect(await sub.lines).toEqual(['a', 'b']);
  });
});

describe('paho-mqtt (Python)', () => {
  beforeAll(() => {
    const r = spawnSync('python3', ['-c', 'import paho.mqtt'], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error('paho-mqtt is missing; install it with: pip install paho-mqtt==2.1.0');
  });

  it.each([['MQTTv311'], ['MQTTv5']])('paho %s: subscribe, publish QoS 1 and 2, receive', async (proto) => {
    const script = `
import sys, time, paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
got = []
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="paho-${proto}", protocol=mqtt.${proto})
c.on_message = lambda cl, ud, msg: got.append((msg.topic, msg.payload.decode(), msg.qos))
c.connect("127.0.0.1", ${tb.port})
c.loop_start()
c.subscribe("paho/#", qos=2)
time.sleep(0.3)
c.publish("paho/one", "1", qos=1).wait_for_publish(5)
c.publish("paho/two", "2", qos=2).wait_for_publish(5)
deadline = time.time() + 5
while len(got) < 2 and time.time() < deadline: time.sleep(0.05)
c.disconnect(); c.loop_stop()
print(sorted(got))
`;
    const { stdout } = await run('python3', ['-c', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("[('paho/one', '1', 1), ('paho/two', '2', 2)]");
  });
});
