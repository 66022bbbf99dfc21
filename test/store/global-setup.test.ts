/** The globalSetup never skips silently: with no endpoint, no Docker and no binary it fails saying what to install. */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('../support/minio.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../support/minio.js')>()),
  findMinioBinary: () => undefined,
}));

describe('global setup without any MinIO', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('throws an error naming what to install', async () => {
    delete process.env.STRATA_TEST_S3_ENDPOINT;
    process.env.STRATA_TEST_NO_DOCKER = '1';
    const { default: setup } = await import('../support/global-setup.js');
    const project = { provide: vi.fn() };
    await expect(setup(project as never)).rejects.toThrow(/npm run minio:install[\s\S]*Go >= 1\.24[\s\S]*STRATA_TEST_S3_ENDPOINT/);
    expect(project.provide).not.toHaveBeenCalled();
  });
});
