/**
 * Runs a command-line peer (kcat, the Java console tools, …) with stdin, and resolves with its stdout;
 * a non-zero exit or a timeout rejects with the tail of its stderr. Also where the Kafka jars live.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Kafka 4.1 jars from Maven Central (bench/kafka-peer/pom.xml; .ci/run fetches them). */
export const KAFKA_LIBS = join(import.meta.dirname, '../../.cache/kafka/libs');
export const haveKafkaJars = existsSync(join(KAFKA_LIBS, 'kafka-tools-4.1.0.jar'));

export function runTool(cmd: string, args: string[], input = '', timeoutMs = 60_000, label = cmd): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`${label} timed out: ${err.slice(-2000)}`))), timeoutMs);
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${label} exited ${code}: ${err.slice(-2000)}`));
    });
    p.stdin.end(input);
  });
}

/** A class of the Kafka jars on the JVM (fast start-up flags). */
export function runJava(mainClass: string, args: string[], input = '', timeoutMs = 60_000): Promise<string> {
  return runTool('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', `${KAFKA_LIBS}/*`, mainClass, ...args], input, timeoutMs, mainClass);
}
