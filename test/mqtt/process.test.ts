/** The MQTT component inside the real `strata start` process: users file, WebSocket on the HTTP port, metrics. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { runStrata, startStrata, type StrataProcess } from '../support/process.js';
import { closeAll, connect, connectCollect } from './helpers.js';

let proc: StrataProcess | undefined;
afterAll(async () => {
  await closeAll();
  await proc?.stop(5000);
});

describe('strata start with MQTT', () => {
  it('authenticates from a users file made by `strata users add`, serves WebSocket and metrics', async () => {
    const users = join(mkdtempSync(join(tmpdir(), 'strata-users-')), 'users.json');
    const added = await runStrata(['users', 'add', 'dev', '--password', 's3cret', '--acl', 'all:dev/#', '--users-file', users]);
    expect(added.code).toBe(0);
    proc = await startStrata({ env: { STRATA_MQTT_PORT: '0', STRATA_KAFKA_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_USERS_FILE: users } });
    const port = proc.mqttPort!;
    await expect(connect(port, {})).rejects.toThrow(/Not authorized/i);
    const { client, got } = await connectCollect(port, { protocolVersion: 5, username: 'dev', password: 's3cret' });
    await client.subscribeAsync('dev/#', { qos: 1 });
    const ws = mqtt.connect(`ws://127.0.0.1:${proc.httpPort}/mqtt`, { reconnectPeriod: 0, username: 'dev', password: 's3cret' });
    await new Promise<void>((resolve, reject) => (ws.once('connect', () => resolve()), ws.once('error', reject)));
    await ws.publishAsync('dev/ws', 'via-websocket', { qos: 1 });
    expect((await got.wait(1))[0]!.payload.toString()).toBe('via-websocket');
    await ws.endAsync();
    const metrics = await (await fetch(`http://127.0.0.1:${proc.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/strata_mqtt_connections \d/);
    expect(metrics).toMatch(/strata_mqtt_messages_routed_total [1-9]/);
  });
});
