#!/usr/bin/env node
// npm run minio:install — makes sure the tests have a MinIO server binary.
// 1. `minio` on PATH, or .cache/bin/minio built from this pin and patch (marker .cache/bin/minio.build) → done.
// 2. else Go >= 1.24 on PATH → download github.com/minio/minio@<pin> from the Go module proxy, apply the one
//    local patch below, `go build` it into .cache/bin/minio.
// 3. else exit 1 saying what to install.
// The pin is the last commit of github.com/minio/minio: tag RELEASE.2025-10-15T17-29-55Z plus 3 small fixes.
// The Go module proxy refuses the tag itself (403), so the pseudo-version of that commit is used.
// The patch: that commit's trackingResponseWriter (cmd/api-response.go) has no Flush(), so MinIO's
// ListenBucketNotification stream sends nothing until the connection closes (forks carry the same fix,
// e.g. chainguard-forks/minio#37). Strata's mounts use that stream; the patch adds the missing Flush().
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = process.env.STRATA_MINIO_VERSION || 'v0.0.0-20260212201848-7aac2a2c5b7c';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const binDir = join(root, '.cache', 'bin');
const cached = join(binDir, 'minio');
const marker = join(binDir, 'minio.build');
const PATCH_ID = 'flush-1';
const wanted = `${MINIO_VERSION}+${PATCH_ID}`;
const FLUSH_PATCH = `
// Flush forwards to the wrapped writer so streaming handlers (ListenBucketNotification) flush
// (local patch applied by Strata's test/support/install-minio.mjs).
func (w *trackingResponseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
`;

function works(bin) {
  return existsSync(bin) && spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'minio')).find(works);
if (onPath) {
  console.log(`minio: using ${onPath} (on PATH)`);
  process.exit(0);
}
const built = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
if (works(cached) && built === wanted) {
  console.log(`minio: using ${cached} (${built})`);
  process.exit(0);
}
if (works(cached)) console.log(`minio: ${cached} is not the ${wanted} build (${built || 'no marker'}); rebuilding`);

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
const env = { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? '0', GOFLAGS: '-mod=mod' };
console.log(`minio: building ${MINIO_MODULE}@${MINIO_VERSION} (+ patch ${PATCH_ID}) with ${go.stdout.trim()} into ${binDir} (a few minutes)…`);
const dl = spawnSync('go', ['mod', 'download', '-json', `${MINIO_MODULE}@${MINIO_VERSION}`], { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 });
const dir = dl.status === 0 ? JSON.parse(dl.stdout).Dir : undefined;
if (!dir) {
  console.error(`minio: go mod download ${MINIO_MODULE}@${MINIO_VERSION} failed (exit ${dl.status}): ${dl.stderr}\nCheck network access to the Go module proxy, or install a minio binary on PATH.`);
  process.exit(1);
}
const src = join(root, '.cache', 'minio-src');
// the module cache is read-only: make the copy writable before patching or removing it
const removeSrc = () => existsSync(src) && (spawnSync('chmod', ['-R', 'u+w', src]), rmSync(src, { recursive: true, force: true }));
removeSrc();
cpSync(dir, src, { recursive: true });
spawnSync('chmod', ['-R', 'u+w', src]);
const target = join(src, 'cmd', 'api-response.go');
const code = readFileSync(target, 'utf8');
if (!code.includes('type trackingResponseWriter struct')) {
  console.warn('minio: this MinIO version has no trackingResponseWriter; building it unpatched');
} else if (!code.includes('func (w *trackingResponseWriter) Flush()')) {
  writeFileSync(target, code + FLUSH_PATCH);
}
const tmp = `${cached}.${process.pid}.tmp`;
const build = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], { cwd: src, stdio: 'inherit', env });
removeSrc();
if (build.status === 0) renameSync(tmp, cached); // a rename: a running minio keeps its old file
if (build.status !== 0 || !works(cached)) {
  console.error(`minio: go build of ${MINIO_MODULE}@${MINIO_VERSION} failed (exit ${build.status}). Check network access to the Go module proxy, or install a minio binary on PATH.`);
  process.exit(1);
}
writeFileSync(marker, wanted + '\n');
console.log(`minio: installed ${cached} (${wanted})`);
