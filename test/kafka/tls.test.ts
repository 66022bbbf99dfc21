/**
 * Kafka over TLS: a self-signed certificate (openssl), kcat with security.protocol=ssl producing and
 * consuming through the TLS listener, which advertises its own port in Metadata.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

let dir: string;
let broker: TestBroker;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-kafka-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  broker = await startTestBroker({ tls: { port: 0, options: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } } });
});
afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs kcat without blocking the event loop (the broker lives in this process). */
function run(args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('kcat', args);
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => (clearTimeout(t), resolve({ status, stdout, stderr })));
    p.stdin.end(input);
  });
}

async function kcat(args: string[], input = ''): Promise<string> {
  const tls = ['-b', `127.0.0.1:${broker.server.tlsPort}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${join(dir, 'cert.pem')}`];
  const r = await run([...tls, ...args], input);
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
  return r.stdout;
}

describe('Kafka over TLS', () => {
  it('advertises the TLS port to TLS clients and serves produce/consume', async () => {
    const md = JSON.parse(await kcat(['-L', '-J']));
    expect(md.brokers[0].name).toBe(`127.0.0.1:${broker.server.tlsPort}`);
    await kcat(['-P', '-t', 'tls-topic', '-z', 'lz4'], 'a\nb\nc\n');
    expect((await kcat(['-C', '-t', 'tls-topic', '-o', 'beginning', '-e', '-f', '%s\\n'])).trim().split('\n')).toEqual(['a', 'b', 'c']);
  });

  it('refuses a plaintext client on the TLS port without hurting the listener', async () => {
    const r = await run(['-b', `127.0.0.1:${broker.server.tlsPort}`, '-L', '-m', '2']);
    expect(r.status).not.toBe(0);
    expect(JSON.parse(await kcat(['-L', '-J'])).brokers).toHaveLength(1);
  });
});
