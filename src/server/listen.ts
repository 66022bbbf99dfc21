import { StrataError } from '../errors.js';

/** Turns a listen() failure (EADDRINUSE, EACCES, EADDRNOTAVAIL) into one clear StrataError. */
export function listenError(protocol: string, host: string, port: number, err: unknown): StrataError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'EADDRINUSE' ? 'the address is already in use'
    : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
    : code === 'EADDRNOTAVAIL' ? 'the address is not available on this machine'
    : code ?? (err instanceof Error ? err.message : String(err));
  return new StrataError('STRATA_ERR_LISTEN_FAILED', `cannot listen for ${protocol} on ${host}:${port}: ${why}`, {
    cause: err,
    details: { protocol, host, port },
  });
}
