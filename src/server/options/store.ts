import { join } from 'node:path';
import type { OptionSpec } from './types.js';

/**
 * Object-store options. Credentials for S3 come, in order, from STRATA_S3_ACCESS_KEY_ID /
 * STRATA_S3_SECRET_ACCESS_KEY when set, otherwise from the standard AWS chain (AWS_ACCESS_KEY_ID,
 * AWS_PROFILE, ~/.aws/credentials, instance or pod roles).
 */
export const STORE_OPTIONS = [
  {
    name: 'store',
    type: 'enum',
    values: ['fs', 's3'],
    group: 'store',
    default: (c) => (c.s3Bucket ? 's3' : 'fs'),
    defaultDoc: '`s3` when a bucket is set, else `fs`',
    doc: 'Object store backing every topic: `fs` (embedded, a local directory) or `s3` (AWS S3, MinIO, any S3-compatible store).',
  },
  {
    name: 'storeDir',
    type: 'string',
    group: 'store',
    default: (c) => join(String(c.dataDir), 'store'),
    defaultDoc: '<dataDir>/store',
    doc: 'Directory of the `fs` object store.',
  },
  {
    name: 's3Bucket',
    type: 'string',
    group: 's3',
    doc: 'Bucket of the `s3` store. Setting it selects the `s3` store. The bucket must exist.',
  },
  {
    name: 's3Prefix',
    type: 'string',
    group: 's3',
    default: '',
    defaultDoc: '(empty)',
    doc: 'Key prefix inside the bucket, so several clusters can share one bucket, e.g. `strata/prod`.',
  },
  {
    name: 's3Endpoint',
    type: 'string',
    group: 's3',
    defaultDoc: '(AWS)',
    doc: 'Endpoint URL of an S3-compatible store, e.g. `http://127.0.0.1:9000` for MinIO. Unset = AWS S3.',
  },
  {
    name: 's3Region',
    type: 'string',
    group: 's3',
    default: (c) => (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (c.s3Endpoint ? 'us-east-1' : undefined)),
    defaultDoc: '`AWS_REGION`, else `us-east-1` with an endpoint',
    doc: 'Region used to sign requests.',
  },
  {
    name: 's3ForcePathStyle',
    type: 'bool',
    group: 's3',
    default: (c) => Boolean(c.s3Endpoint),
    defaultDoc: '`true` with an endpoint, else `false`',
    doc: 'Path-style URLs (`endpoint/bucket/key`), which MinIO and most S3-compatible stores need.',
  },
  {
    name: 's3AccessKeyId',
    type: 'string',
    group: 's3',
    secret: true,
    defaultDoc: '(AWS chain)',
    doc: 'Access key id; unset = the standard AWS credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws, roles).',
  },
  {
    name: 's3SecretAccessKey',
    type: 'string',
    group: 's3',
    secret: true,
    defaultDoc: '(AWS chain)',
    doc: 'Secret access key matching `s3AccessKeyId`. Prefer env or a secret file over a flag.',
  },
  {
    name: 's3FastGet',
    type: 'bool',
    group: 's3',
    default: true,
    doc: 'Read objects (GET) through undici with a built-in SigV4 signer instead of the AWS SDK: about 5× less CPU per GET. Used only with `s3AccessKeyId`/`s3SecretAccessKey`; requests other than GET and PUT always use the SDK.',
  },
  {
    name: 's3FastPut',
    type: 'bool',
    group: 's3',
    default: true,
    doc: 'Write objects (PUT: WAL objects, segments, manifests) through the same undici + SigV4 path, with a CRC32C checksum (`x-amz-checksum-crc32c`) the store verifies instead of a signed SHA-256 of the body: about 3× less CPU per PUT than the AWS SDK, and lower latency. Used only with `s3AccessKeyId`/`s3SecretAccessKey`. Turn it off for an S3-compatible store that rejects that header.',
  },
] as const satisfies readonly OptionSpec[];
