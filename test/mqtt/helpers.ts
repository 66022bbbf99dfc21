/** Test support: a broker + MQTT server on 127.0.0.1:0 over a given persistence, and mqtt.js helpers. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Broker, type BrokerOptions } from '../../src/broker/mqtt/broker.js';
import { MemoryPersistence, type MqttPersistence } from '../../src/broker/mqtt/persistence.js';
import { MqttServer, type MqttServerOptions } from '../../src/protocol/mqtt/server.js';
import { MqttMetrics } from '../../src/protocol/mqtt/metrics.js';

export const silent = pino({ level: process.env.STRATA_TEST_LOG ?? 'silent' });

export interface TestBroker {
  broker: Broker;
  server: MqttServer;
  port: number;
  persistence: MqttPersistence;
  registry: Registry;
  url: string;
  close(): Promise<void>;
}

export async function startBroker(
  opts: { persistence?: MqttPersistence; broker?: Partial<BrokerOptions>; server?: Partial<MqttServerOptions> } = {},
): Promise<TestBroker> {
  const persistence = opts.persistence ?? new MemoryPersistence();
  const registry = new Registry();
  const metrics = new MqttMetrics(registry);
  const broker = new Broker({ persistence, logger: silent, metrics, ...opts.broker });
  await broker.start();
  const server = new MqttServer({ broker, logger: silent, registry, metrics, sysIntervalMs: 0, ...opts.server });
  const port = await server.listen(0, '127.0.0.1');
  return {
    broker,
    server,
    port,
    persistence,
    registry,
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await server.close();
      await broker.stop();
    },
  };
}

const clients: MqttClient[] = [];

export async function connect(tb: TestBroker | number, options: IClientOptions = {}, before?: (c: MqttClient) => void): Promise<MqttClient> {
  const port = typeof tb === 'number' ? tb : tb.port;
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(c);
  before?.(c);
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before connect')));
  });
  return c;
}

export async function closeAll(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
}

/** Connects with a collector attached before CONNACK (messages can arrive with it). */
export async function connectCollect(tb: TestBroker | number, options: IClientOptions = {}): Promise<{ client: MqttClient; got: ReturnType<typeof collect> }> {
  let got!: ReturnType<typeof collect>;
  const client = await connect(tb, options, (c) => (got = collect(c)));
  return { client, got };
}

export interface Received {
  topic: string;
  payload: Buffer;
  packet: import('mqtt').IPublishPacket;
}

/** Collects messages; `next(n)` waits for n more. */
export function collect(c: MqttClient): { messages: Received[]; wait(n: number, ms?: number): Promise<Received[]> } {
  const messages: Received[] = [];
  const waiters: { n: number; resolve: (m: Received[]) => void }[] = [];
  c.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload, packet });
    for (const w of [...waiters]) if (messages.length >= w.n) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(messages.slice());
    }
  });
  return {
    messages,
    wait(n, ms = 5000) {
      if (messages.length >= n) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timeout: got ${messages.length} of ${n} messages: ${messages.map((m) => m.topic).join(',')}`)), ms);
        waiters.push({ n, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
