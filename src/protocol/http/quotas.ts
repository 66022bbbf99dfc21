/**
 * Namespace rate and storage quotas on HTTP produce (records, agent requests): 429 STRATA_ERR_QUOTA_EXCEEDED
 * with Retry-After (whole seconds, rounded up), or 507 STRATA_ERR_STORAGE_QUOTA_EXCEEDED. Nothing is charged
 * when refused. docs/tenants.md "Quotas".
 */
import type { FastifyReply } from 'fastify';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import { StrataError } from '../../errors.js';

/** Throws the HTTP refusal when `ns` may not produce `records` records of `bytes` payload bytes now. */
export function admitHttpProduce(quotas: QuotaEnforcer | undefined, reply: FastifyReply, ns: string, records: number, bytes: number): void {
  if (quotas === undefined) return;
  const a = quotas.admitProduce(ns, records, bytes);
  if (a.ok) return;
  if (a.reason === 'rate') {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(a.retryAfterMs / 1000))));
    throw new StrataError('STRATA_ERR_QUOTA_EXCEEDED', `namespace ${ns} is over its ${a.quota} quota; retry in ${a.retryAfterMs} ms`, { details: { namespace: ns, quota: a.quota, retryAfterMs: a.retryAfterMs } });
  }
  throw new StrataError('STRATA_ERR_STORAGE_QUOTA_EXCEEDED', `namespace ${ns} is over its maxStoredBytes quota`, { details: { namespace: ns, quota: a.quota } });
}
