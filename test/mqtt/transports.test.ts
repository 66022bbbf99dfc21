/** TLS, WebSocket, metrics and $SYS. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attachWebSocket } from '../../src/protocol/mqtt/websocket.js';
import { UsersAuth } from '../../src/auth/users.js';
import { closeAll, connect, connectCollect, startBroker, type TestBroker } from './helpers.js';

const running: TestBroker[] = [];
afterEach(async () => {
  await closeAll();
  for (const tb of running.splice(0)) await tb.close();
});

async function broker(opts = {}): Promise<TestBroker> {
  const tb = await startBroker(opts);
  running.push(tb);
  return tb;
}

describe('transports', () => {
  it('MQTT over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tb = await broker();
    const port = await tb.server.listenTls(0, '127.0.0.1', { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) });
    const common = { protocol: 'mqtts' as const, host: '127.0.0.1', port, rejectUnauthorized: false };
    const { client: sub, got } = await connectCollect(port, common);
    await sub.subscribeAsync('tls/x', { qos: 1 });
    const pub = await connect(port, { ...common, protocolVersion: 5 });
    await pub.publishAsync('tls/x', 'secure', { qos: 1 });
    expect((await got.wait(1))[0]!.payload.toString()).toBe('secure');
  });

  it('TLS client certificates: the verified CN is the user, clients without one are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-mtls-'));
    const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test-ca', '-days', '1', '-keyout', 'ca.key', '-out', 'ca.pem');
    for (const [name, cn] of [['server', 'localhost'], ['client', 'device-7']]) {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.pem`);
    }
    const users = new UsersAuth({ path: join(dir, 'none.json'), allowAnonymous: false });
    await users.load();
    const tb = await broker({ server: { authenticator: users, authorizer: users } });
    const f = (n: string) => readFileSync(join(dir, n));
    const port = await tb.server.listenTls(0, '127.0.0.1', { cert: f('server.pem'), key: f('server.key'), ca: f('ca.pem'), requestCert: true, rejectUnauthorized: false });
    const common = { protocol: 'mqtts' as const, host: '127.0.0.1', port, ca: f('ca.pem'), rejectUnauthorized: false };
    await connect(port, { ...common, key: f('client.key'), cert: f('client.pem') });
    const session = [...tb.server.connections].find((c) => c.identity?.user === 'device-7');
    expect(session).toBeDefined();
    await expect(connect(port, common)).rejects.toThrow(/Not authorized/i);
  });

  it('MQTT over WebSocket on an HTTP server path', async () => {
    const tb = await broker();
    const http = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const detach = attachWebSocket(http, '/mqtt', tb.server, 1 << 20);
    const port = (http.address() as { port: number }).port;
    try {
      const mqtt = await import('mqtt');
      const ws = mqtt.connect(`ws://127.0.0.1:${port}/mqtt`, { reconnectPeriod: 0, protocolVersion: 5 });
      await new Promise<void>((resolve, reject) => (ws.once('connect', () => resolve()), ws.once('error', reject)));
      const got: string[] = [];
      ws.on('message', (_t, p) => got.push(p.toString()));
      await ws.subscribeAsync('ws/x', { qos: 1 });
      const tcp = await connect(tb, {});
      await tcp.publishAsync('ws/x', 'over-ws', { qos: 1 });
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual(['over-ws']);
      await ws.endAsync();
    } finally {
      detach();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });
});

describe('observability', () => {
  it('exports strata_mqtt_* metrics', async () => {
    const tb = await broker({ broker: { maxQueuedMessages: 1 } });
    const { client: sub } = await connectCollect(tb, { clientId: 'm', clean: false });
    await sub.subscribeAsync('met/#', { qos: 1 });
    await sub.endAsync();
    const pub = await connect(tb, {});
    await pub.publishAsync('met/a', 'x', { qos: 1 });
    await pub.publishAsync('met/a', 'y', { qos: 1 }); // queue of 1 is full: dropped
    await pub.publishAsync('met/a', 'z', { qos: 0 }); // offline QoS 0: dropped
    await new Promise((r) => setTimeout(r, 50));
    const text = await tb.registry.metrics();
    expect(text).toMatch(/strata_mqtt_connections 1/);
    expect(text).toMatch(/strata_mqtt_packets_total\{type="publish",direction="in"\} 3/);
    expect(text).toMatch(/strata_mqtt_bytes_total\{direction="in"\} \d+/);
    expect(text).toMatch(/strata_mqtt_messages_routed_total 3/);
    expect(text).toMatch(/strata_mqtt_messages_dropped_total\{reason="queue_full"\} 1/);
    expect(text).toMatch(/strata_mqtt_messages_dropped_total\{reason="offline_qos0"\} 1/);
    expect(text).toMatch(/strata_mqtt_messages_queued 1/);
  });

  it('publishes $SYS statistics, visible on $SYS/# only', async () => {
    const tb = await broker({ server: { sysIntervalMs: 100 } });
    const { client, got } = await connectCollect(tb, {});
    await client.subscribeAsync('$SYS/broker/clients/connected');
    const m = await got.wait(1);
    expect(Number(m[0]!.payload.toString())).toBeGreaterThanOrEqual(1);
  });
});
