/** Mount sources: `s3://bucket/prefix` (the broker's S3 endpoint and credentials) or `file:///dir`. */
import { StrataError } from '../../errors.js';

export type ParsedSource = { kind: 's3'; bucket: string; prefix: string } | { kind: 'file'; dir: string };

function invalid(message: string, source: string): StrataError {
  return new StrataError('STRATA_ERR_INVALID_REQUEST', message, { details: { source } });
}

export function parseSource(source: string): ParsedSource {
  if (typeof source !== 'string') throw invalid('source must be a string', String(source));
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw invalid(`invalid mount source "${source}": expected s3://bucket/prefix or file:///dir`, source);
  }
  if (url.protocol === 's3:') {
    const bucket = url.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid(`invalid bucket name in "${source}"`, source);
    // the prefix is taken verbatim (no decoding surprises): everything after "s3://bucket/"
    const prefix = source.slice(`s3://${url.host}`.length).replace(/^\/+/, '');
    return { kind: 's3', bucket, prefix };
  }
  if (url.protocol === 'file:') {
    if (url.host && url.host !== 'localhost') throw invalid(`file sources must be local: "${source}"`, source);
    const dir = decodeURIComponent(url.pathname);
    if (!dir.startsWith('/')) throw invalid(`file source needs an absolute path: "${source}"`, source);
    return { kind: 'file', dir };
  }
  throw invalid(`unsupported mount source "${source}": expected s3://bucket/prefix or file:///dir`, source);
}
