/** The MQTT component inside the real `strata start` process: users file, WebSocket on the HTTP port, metrics. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { IAuthPacket, IConnackPacket } from 'mqtt-packet';
import { scramClient } from './scram-client.js';
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
    // MQTT 5 enhanced authentication with the SCRAM keys `users add` stored, driven by mqtt.js
    const scram = scramClient('SCRAM-SHA-512', 'dev', 's3cret');
    const viaScram = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, reconnectPeriod: 0, properties: { authenticationMethod: 'SCRAM-SHA-512', authenticationData: scram.first } });
    let serverFinal = '';
    (viaScram as unknown as { handleAuth: (p: IAuthPacket, cb: (err?: Error, p?: IAuthPacket) => void) => void }).handleAuth = (p, cb) => {
      const f = scram.final(p.properties!.authenticationData!.toString());
      serverFinal = f.serverFinal;
      cb(undefined, { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-512', authenticationData: f.message } });
    };
    const connack = await new Promise<IConnackPacket>((resolve, reject) => (viaScram.once('connect', resolve), viaScram.once('error', reject)));
    expect(connack.properties?.authenticationData?.toString()).toBe(serverFinal);
    await viaScram.publishAsync('dev/scram', 'via-scram', { qos: 1 }); // dev's ACL (all:dev/#) applies
    expect((await got.wait(2))[1]!.payload.toString()).toBe('via-scram');
    await viaScram.endAsync();
    const metrics = await (await fetch(`http://127.0.0.1:${proc.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/strata_mqtt_connections \d/);
    expect(metrics).toMatch(/strata_mqtt_messages_routed_total [1-9]/);
  });
});
