/**
 * MQTT 5 enhanced authentication with SCRAM-SHA-256/512 (src/protocol/mqtt/enhanced-auth.ts): the AUTH
 * exchange over exact bytes (in-memory streams), a wrong password, an unknown user, an unknown method, a
 * non-AUTH packet mid-exchange, re-authentication; and mqtt.js driving the exchange over a real socket.
 */
import mqttjs from 'mqtt';
import mqtt from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveScramCredentials, type ScramCredentials, type ScramMechanism } from '../../src/auth/scram.js';
import { scramClient } from './scram-client.js';
import type { ScramLookup } from '../../src/auth/scram-lookup.js';
import { startBroker, type TestBroker } from './helpers.js';
import { rawClient, type RawClient } from './raw.js';

let tb: TestBroker;
let creds: ScramCredentials;
beforeAll(async () => {
  creds = await deriveScramCredentials('s3cret', 4096);
  const scram: ScramLookup = async (mechanism, user) => (user === 'alice' ? { credential: creds[mechanism]!, namespace: 'team-a' } : undefined);
  tb = await startBroker({ server: { scram } });
});
afterAll(async () => tb.close());

async function exchange(c: RawClient, mechanism: ScramMechanism, user: string, password: string): Promise<{ connack: mqtt.IConnackPacket; serverFinal?: string }> {
  const client = scramClient(mechanism, user, password);
  c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: `scram-${user}-${mechanism}`, clean: true, keepalive: 0, properties: { authenticationMethod: mechanism, authenticationData: client.first } });
  const auth = (await c.next('auth')) as mqtt.IAuthPacket;
  expect(auth.reasonCode).toBe(0x18);
  expect(auth.properties?.authenticationMethod).toBe(mechanism);
  const { message, serverFinal } = client.final(auth.properties!.authenticationData!.toString());
  c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: mechanism, authenticationData: message } });
  return { connack: (await c.next('connack')) as mqtt.IConnackPacket, serverFinal };
}

describe('MQTT 5 enhanced authentication (SCRAM)', () => {
  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: AUTH continue, then CONNACK with the server signature; the session is in the credential namespace', async (mechanism) => {
    const c = rawClient(tb.server, 5);
    const { connack, serverFinal } = await exchange(c, mechanism, 'alice', 's3cret');
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.authenticationMethod).toBe(mechanism);
    expect(connack.properties?.authenticationData?.toString()).toBe(serverFinal); // the client can verify the server
    const conn = [...tb.server.connections].find((x) => x.clientId === `scram-alice-${mechanism}`)!;
    expect(conn.identity).toMatchObject({ user: 'alice', namespace: 'team-a' });
    // the connection works: subscribe and get a SUBACK
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 0 }] });
    expect(((await c.next('suback')) as mqtt.ISubackPacket).granted).toEqual([0]);
    // re-authentication is not offered: DISCONNECT 0x87
    c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: mechanism, authenticationData: scramClient(mechanism, 'alice', 's3cret').first } });
    expect(((await c.next('disconnect')) as mqtt.IDisconnectPacket).reasonCode).toBe(0x87);
    c.end();
  });

  it('a wrong password and an unknown user both get CONNACK 0x86 (no hint which users exist)', async () => {
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 's3cret']] as const) {
      const c = rawClient(tb.server, 5);
      const { connack } = await exchange(c, 'SCRAM-SHA-256', user, password);
      expect(connack.reasonCode).toBe(0x86);
      expect(connack.properties?.authenticationData).toBeUndefined();
      await c.closed;
    }
  });

  it('an unknown method gets CONNACK 0x8C; a packet other than AUTH mid-exchange gets CONNACK 0x82; AUTH without a method, DISCONNECT 0x82', async () => {
    const c = rawClient(tb.server, 5);
    c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'k', clean: true, keepalive: 0, properties: { authenticationMethod: 'KERBEROS', authenticationData: Buffer.from('x') } });
    expect(((await c.next('connack')) as mqtt.IConnackPacket).reasonCode).toBe(0x8c);
    await c.closed;
    const d = rawClient(tb.server, 5);
    d.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'k2', clean: true, keepalive: 0, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: scramClient('SCRAM-SHA-256', 'alice', 's3cret').first } });
    await d.next('auth');
    d.send({ cmd: 'pingreq' });
    expect(((await d.next('connack')) as mqtt.IConnackPacket).reasonCode).toBe(0x82);
    await d.closed;
    expect([...tb.server.connections].some((x) => x.clientId === 'k2')).toBe(false);
    // a client that connected without a method may not send AUTH [MQTT-4.12.0-7]
    const e = rawClient(tb.server, 5);
    e.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'k3', clean: true, keepalive: 0 });
    await e.next('connack');
    e.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('x') } });
    expect(((await e.next('disconnect')) as mqtt.IDisconnectPacket).reasonCode).toBe(0x82);
  });

  it('mqtt.js drives the exchange over a real socket (handleAuth) and can publish afterwards', async () => {
    const client = scramClient('SCRAM-SHA-256', 'alice', 's3cret');
    const c = mqttjs.connect(tb.url, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      clientId: 'mqttjs-scram',
      properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: client.first },
    });
    let expectedServerFinal = '';
    (c as unknown as { handleAuth: (p: mqtt.IAuthPacket, cb: (err?: Error, p?: mqtt.IAuthPacket) => void) => void }).handleAuth = (packet, cb) => {
      const f = client.final(packet.properties!.authenticationData!.toString());
      expectedServerFinal = f.serverFinal;
      cb(undefined, { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: f.message } });
    };
    const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => {
      c.once('connect', resolve);
      c.once('error', reject);
    });
    expect(connack.properties?.authenticationData?.toString()).toBe(expectedServerFinal);
    await c.publishAsync('t/1', 'hello', { qos: 1 });
    await c.endAsync();
  });
});
