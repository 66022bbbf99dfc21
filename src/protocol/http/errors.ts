/**
 * One JSON shape for every HTTP error: `{ "error": { "code", "message", "retriable", "details"? } }`, with the
 * status taken from the error catalog (src/errors.ts).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { StrataError, toStrataError } from '../../errors.js';

export interface HttpErrorBody {
  error: ReturnType<StrataError['toJSON']>;
}

/** Maps anything thrown in a handler to a StrataError; fastify's own 4xx errors become request errors. */
export function httpErrorOf(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (fe && typeof fe === 'object' && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 413 ? 'STRATA_ERR_RECORD_TOO_LARGE' : 'STRATA_ERR_INVALID_REQUEST';
    return new StrataError(code, fe.message, { cause: err, details: fe.code ? { reason: fe.code } : undefined });
  }
  return toStrataError(err);
}

export function errorBody(err: StrataError): HttpErrorBody {
  return { error: err.toJSON() };
}

/** Installs the error and not-found handlers on the root instance (routes registered later inherit them). */
export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err, request, reply) => {
    const strata = httpErrorOf(err);
    // a 507 storage-quota refusal is the tenant's state, not a server fault (logged by the quota manager)
    if (strata.httpStatus >= 500 && strata.code !== 'STRATA_ERR_STORAGE_QUOTA_EXCEEDED') logger.error({ err, code: strata.code, url: request.url }, 'request failed');
    else logger.debug({ code: strata.code, url: request.url, reason: strata.message }, 'request rejected');
    // Internal errors keep their detail in the log, not in the answer.
    const shown = strata.code === 'STRATA_ERR_INTERNAL' ? new StrataError('STRATA_ERR_INTERNAL') : strata;
    void reply.status(strata.httpStatus).send(errorBody(shown));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new StrataError('STRATA_ERR_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
    void reply.status(err.httpStatus).send(errorBody(err));
  });
}
