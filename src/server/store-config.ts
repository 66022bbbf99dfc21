import type { StrataConfig } from './options/index.js';
import type { StoreConfig } from '../store/index.js';

/** Maps the resolved options onto the object-store factory's config. */
export function storeConfigOf(config: StrataConfig): StoreConfig {
  if (config.store === 's3') {
    return {
      type: 's3',
      bucket: config.s3Bucket as string,
      prefix: config.s3Prefix || undefined,
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
      accessKeyId: config.s3AccessKeyId,
      secretAccessKey: config.s3SecretAccessKey,
      fastGet: config.s3FastGet,
      fastPut: config.s3FastPut,
    };
  }
  return { type: 'fs', dir: config.storeDir };
}
