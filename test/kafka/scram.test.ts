/**
 * SASL/SCRAM-SHA-256 and -512 (RFC 5802, RFC 7677, KIP-84) in the real `strata start` process, with a users
 * file written by `strata users add`: kafkajs (both mechanisms), kcat/librdkafka (SCRAM-SHA-512) and the
 * Java client (SCRAM-SHA-256) produce and consume; a wrong password, an unknown user and a users-file entry
 * written before SCRAM support get an authentication error (not a hang) while the broker keeps serving;
 * PLAIN still works. Raw-socket cases (handshake list, malformed client-first, out-of-order rounds) run
 * against an in-process listener.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { deriveScramCredential } from '../../src/auth/scram.js';
import { SaslAuthenticate, SaslHandshake } from '../../src/protocol/kafka/apis/sasl.js';
import { KafkaError } from '../../src/protocol/kafka/error-codes.js';
import { runStrata, startStrata, type StrataProcess } from '../support/process.js';
import { haveKafkaJars as haveJars, runJava, runTool as tool } from '../support/tool.js';
import { startTestBroker } from './support/broker.js';
import { RawClient } from './support/raw-client.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-scram-'));
const usersFile = join(dir, 'users.json');
let proc: StrataProcess;
let bootstrap: string;

function client(sasl: SASLOptions, clientId = 'scram-test'): Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 5000, authenticationTimeout: 5000, sasl });
}

beforeAll(async () => {
  for (const [name, password, ns] of [['alice', 'al1ce-pw', 'tenant-a'], ['bob', 'b0b-pw', 'tenant-b']]) {
    const added = await runStrata(['users', 'add', name!, '--password', password!, '--namespace', ns!, '--users-file', usersFile]);
    expect(added.code, added.stderr).toBe(0);
  }
  // an entry as written before SCRAM support: scrypt hash only
  const file = JSON.parse(await readFile(usersFile, 'utf8'));
  file.users.legacy = { password: await hashPassword('legacy-pw'), namespace: 'tenant-a' };
  await writeFile(usersFile, JSON.stringify(file));
  expect(Object.keys(file.users.alice.scram)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
  const listed = await runStrata(['users', 'list', '--users-file', usersFile]);
  expect(listed.stdout).toMatch(/^alice\ttenant-a\tall topics\tscram$/m);
  expect(listed.stdout).toMatch(/^legacy\ttenant-a\tall topics\tno scram/m);
  proc = await startStrata({ env: { STRATA_USERS_FILE: usersFile, STRATA_ALLOW_ANONYMOUS: 'false', STRATA_ADMIN_TOKEN: 'admin-t0ken', STRATA_KAFKA_GROUP_INITIAL_REBALANCE_DELAY: '100ms' } });
  bootstrap = `127.0.0.1:${proc.kafkaPort}`;
}, 120_000);
afterAll(async () => {
  await proc?.stop(10_000);
});

describe('SASL/SCRAM against `strata start`', () => {
  for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
    it(`kafkajs ${mechanism}: produce and consume in the user's namespace`, async () => {
      const kafka = client({ mechanism, username: 'alice', password: 'al1ce-pw' });
      const topic = `scram-${mechanism}`;
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `g-${mechanism}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got: string[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer.run({ eachMessage: async ({ message }) => void (got.push(message.value!.toString()) === 10 && resolve()) }).catch(reject);
      });
      await consumer.disconnect();
      expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
      // the credential's namespace: bob (tenant-b) does not see alice's topic
      const admin = client({ mechanism, username: 'bob', password: 'b0b-pw' }).admin();
      await admin.connect();
      expect(await admin.listTopics()).not.toContain(topic);
      await admin.disconnect();
    }, 60_000);
  }

  it('kcat (librdkafka) SCRAM-SHA-512: produce and consume', async () => {
    const sasl = ['-b', bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=alice', '-X', 'sasl.password=al1ce-pw'];
    const lines = Array.from({ length: 50 }, (_, i) => `k${i}:value-${i}`);
    await tool('kcat', [...sasl, '-P', '-t', 'scram-kcat', '-K:'], lines.join('\n') + '\n', 30_000);
    const out = await tool('kcat', [...sasl, '-C', '-t', 'scram-kcat', '-o', 'beginning', '-e', '-f', '%k:%s\\n'], '', 30_000);
    expect(out.trim().split('\n')).toEqual(lines);
    // PLAIN through librdkafka too, and a wrong SCRAM password ends kcat with an authentication error
    const plain = ['-b', bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=al1ce-pw'];
    expect((await tool('kcat', [...plain, '-C', '-t', 'scram-kcat', '-o', 'beginning', '-e', '-f', '%s\\n'], '', 30_000)).trim().split('\n')).toHaveLength(50);
    await expect(tool('kcat', [...sasl.slice(0, -1), 'sasl.password=wrong', '-L'], '', 30_000)).rejects.toThrow(/Authentication failure|invalid credentials/);
  }, 60_000);

  it.skipIf(!haveJars)('Java client (kafka-clients 4.1) SCRAM-SHA-256: console producer → console consumer', async () => {
    const config = join(dir, 'java-scram.properties');
    await writeFile(config, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="al1ce-pw";\n');
    const java = (main: string, args: string[], input = ''): Promise<string> => runJava(main, args, input, 90_000);
    const lines = Array.from({ length: 20 }, (_, i) => `j${i}`);
    await java('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', bootstrap, '--topic', 'scram-java', '--producer.config', config], lines.join('\n') + '\n');
    const out = await java('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', bootstrap, '--topic', 'scram-java', '--from-beginning', '--max-messages', '20', '--consumer.config', config, '--timeout-ms', '30000']);
    expect(out.trim().split('\n')).toEqual(lines);
  }, 180_000);

  it('a namespace-registry credential (admin API) logs in with SCRAM-SHA-256/512 and PLAIN into its namespace', async () => {
    const admin = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${proc.httpPort}${path}`, { method: 'PUT', headers: { authorization: 'Bearer admin-t0ken', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await admin('/v1/namespaces/tenant-r', {})).status).toBeLessThan(300);
    expect((await admin('/v1/namespaces/tenant-r/credentials/carol', { password: 'car0l-pw' })).status).toBeLessThan(300);
    for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
      const producer = client({ mechanism, username: 'carol', password: 'car0l-pw' }).producer();
      await producer.connect();
      await producer.send({ topic: `reg-${mechanism}`, messages: [{ value: 'x' }] });
      await producer.disconnect();
    }
    const carol = client({ mechanism: 'scram-sha-256', username: 'carol', password: 'car0l-pw' }).admin();
    await carol.connect();
    expect((await carol.listTopics()).filter((t) => t.startsWith('reg-')).sort()).toEqual(['reg-plain', 'reg-scram-sha-256', 'reg-scram-sha-512']);
    await carol.disconnect();
    const alice = client({ mechanism: 'scram-sha-256', username: 'alice', password: 'al1ce-pw' }).admin();
    await alice.connect();
    expect((await alice.listTopics()).filter((t) => t.startsWith('reg-'))).toEqual([]);
    await alice.disconnect();
    await expect(client({ mechanism: 'scram-sha-512', username: 'carol', password: 'nope' }).admin().connect()).rejects.toThrow(/SASL|authentication/i);
  }, 60_000);

  it('a wrong password, an unknown user and a pre-SCRAM entry get an authentication error; PLAIN and the broker keep working', async () => {
    for (const [mechanism, username, password] of [
      ['scram-sha-256', 'alice', 'wrong'],
      ['scram-sha-512', 'alice', 'wrong'],
      ['scram-sha-256', 'nobody', 'x'],
      ['scram-sha-512', 'legacy', 'legacy-pw'],
    ] as const) {
      const started = Date.now();
      const admin = client({ mechanism, username, password }).admin();
      await expect(admin.connect(), `${mechanism} ${username}`).rejects.toThrow(/SASL|authentication/i);
      expect(Date.now() - started).toBeLessThan(5000);
    }
    const failures = proc.logs().filter((l) => l.msg === 'kafka SASL authentication failed');
    expect(failures.map((l) => l.user)).toEqual(expect.arrayContaining(['alice', 'nobody', 'legacy']));
    expect(failures.find((l) => l.user === 'legacy')?.reason).toMatch(/no SCRAM credential/);
    // the pre-SCRAM entry still logs in with PLAIN, and SCRAM users still connect
    for (const sasl of [{ mechanism: 'plain', username: 'legacy', password: 'legacy-pw' }, { mechanism: 'scram-sha-512', username: 'alice', password: 'al1ce-pw' }] as const) {
      const admin = client(sasl).admin();
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
    }
  }, 60_000);
});

describe('SASL/SCRAM on the wire (in-process listener)', () => {
  it('offers all mechanisms, answers a bad client-first and a second handshake with errors', async () => {
    const credential = await deriveScramCredential('SCRAM-SHA-256', 'pw');
    const broker = await startTestBroker({
      saslRequired: true,
      authenticate: async () => undefined,
      scramCredential: async (mechanism, user) => (mechanism === 'SCRAM-SHA-256' && user === 'u' ? { credential, namespace: 'ns' } : undefined),
    });
    try {
      const c = await RawClient.open(broker.port);
      // v0 is advertised (librdkafka needs it listed) but refused: raw tokens are not served
      expect((await c.request(SaslHandshake, 0, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
      const hs = await c.request(SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
      expect(hs).toMatchObject({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
      const first = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('n,,n=u,r=clientnonce') });
      expect(first.errorCode).toBe(0);
      expect((first.authBytes as Buffer).toString()).toMatch(/^r=clientnonce[^,]+,s=[^,]+,i=4096$/);
      expect((await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(KafkaError.ILLEGAL_SASL_STATE);
      c.close();

      for (const bad of ['p=tls-unique,,n=u,r=x', 'n,,n=u,r=x,tokenauth=true', 'garbage']) {
        const b = await RawClient.open(broker.port);
        expect((await b.request(SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0);
        const r = await b.request(SaslAuthenticate, 2, { authBytes: Buffer.from(bad) });
        expect(r.errorCode, bad).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
        expect(r.errorMessage).toMatch(/Authentication failed/);
        await b.whenClosed();
      }
    } finally {
      await broker.stop();
    }
  });
});
