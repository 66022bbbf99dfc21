#!/usr/bin/env node
// npm run minio:install — makes sure the tests have a MinIO server binary.
// 1. `minio` on PATH or .cache/bin/minio already there → done.
// 2. else Go >= 1.24 on PATH → GOBIN=.cache/bin go install github.com/minio/minio@<pin>.
// 3. else exit 1 saying what to install.
// The pin is the last commit of github.com/minio/minio: tag RELEASE.2025-10-15T17-29-55Z plus 3 small fixes.
// The Go module proxy refuses the tag itself (403), so the pseudo-version of that commit is used.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = process.env.STRATA_MINIO_VERSION || 'v0.0.0-20260212201848-7aac2a2c5b7c';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const binDir = join(root, '.cache', 'bin');
const cached = join(binDir, 'minio');

function works(bin) {
  return existsSync(bin) && spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'minio')).find(works);
if (onPath) {
  console.log(`minio: using ${onPath} (on PATH)`);
  process.exit(0);
}
if (works(cached)) {
  console.log(`minio: using ${cached}`);
  process.exit(0);
}

const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
const m = go.status === 0 ? /^go(\d+)\.(\d+)/.exec(go.stdout.trim()) : null;
if (!m || Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 24)) {
  console.error(
    [
      `minio: no MinIO server binary found and ${m ? `Go ${go.stdout.trim()} is too old` : 'Go is not installed'} (Go >= 1.24 is needed to build it).`,
      'Install one of:',
      '  - Go >= 1.24 (https://go.dev/dl/), then run `npm run minio:install` again',
      '  - a minio server binary on PATH (https://min.io/docs/minio/linux/index.html)',
      '  - a Docker engine (the tests then use testcontainers with the minio/minio image)',
      '  - or point the tests at an existing S3-compatible endpoint with STRATA_TEST_S3_ENDPOINT',
    ].join('\n'),
  );
  process.exit(1);
}

mkdirSync(binDir, { recursive: true });
console.log(`minio: building ${MINIO_MODULE}@${MINIO_VERSION} with ${go.stdout.trim()} into ${binDir} (a few minutes)…`);
const build = spawnSync('go', ['install', `${MINIO_MODULE}@${MINIO_VERSION}`], {
  stdio: 'inherit',
  env: { ...process.env, GOBIN: binDir, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
});
if (build.status !== 0 || !works(cached)) {
  console.error(`minio: go install ${MINIO_MODULE}@${MINIO_VERSION} failed (exit ${build.status}). Check network access to the Go module proxy, or install a minio binary on PATH.`);
  process.exit(1);
}
console.log(`minio: installed ${cached}`);
