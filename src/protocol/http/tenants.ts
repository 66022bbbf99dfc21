/**
 * Namespaces (tenants) and their credentials over HTTP (docs/tenants.md, docs/reference/http-api.md):
 *   GET    /v1/namespaces                            namespaces this credential may see (admins: all)
 *   PUT    /v1/namespaces/:ns                        admin: create, or replace quotas  { quotas? } → 201 | 200
 *   GET    /v1/namespaces/:ns                        the namespace, its quotas and usage
 *   DELETE /v1/namespaces/:ns[?force=true]           admin: delete (force: with its topics) → 204
 *   GET    /v1/namespaces/:ns/credentials            admin: { credentials: [{ user, namespace, createdAt, admin? }] }
 *   PUT    /v1/namespaces/:ns/credentials/:user      admin: { password, admin?, acl? } → 201 | 200
 *   DELETE /v1/namespaces/:ns/credentials/:user      admin → 204
 * Hashes never leave the broker.
 */
import type { FastifyInstance } from 'fastify';
import type { AclRule } from '../../auth/acl.js';
import { publicCredential, validateQuotas, type NamespaceRegistry } from '../../broker/tenants/registry.js';
import { StrataError } from '../../errors.js';
import type { TopicLog } from '../../log/types.js';
import { visibleNamespaces } from './auth.js';

export interface TenantRoutesSource {
  registry: NamespaceRegistry;
  log?: TopicLog;
  /** Live usage of a namespace on this node. */
  usage?: (ns: string) => Record<string, number>;
}

const name = { type: 'string', minLength: 1, maxLength: 249 } as const;
const nsParams = { type: 'object', required: ['ns'], properties: { ns: name } } as const;
const credParams = { type: 'object', required: ['ns', 'user'], properties: { ns: name, user: { type: 'string', minLength: 1, maxLength: 128 } } } as const;
const quotaValue = { type: ['integer', 'null'], minimum: 0 } as const;
const quotasSchema = {
  type: 'object',
  // unknown quota names are refused by validateQuotas (fastify's Ajv would silently strip them)
  properties: { maxConnections: quotaValue, messagesPerSecond: quotaValue, bytesPerSecond: quotaValue, maxStoredBytes: quotaValue },
} as const;
const aclSchema = {
  type: 'array',
  items: { type: 'object', required: ['action', 'topic'], additionalProperties: false, properties: { action: { enum: ['publish', 'subscribe', 'all'] }, topic: { type: 'string', minLength: 1 }, deny: { type: 'boolean' } } },
} as const;

export function registerTenantRoutes(app: FastifyInstance, src: TenantRoutesSource): void {
  const { registry } = src;
  const topicsOf = (ns: string): number => src.log?.listTopics(ns).length ?? 0;
  const known = (ns: string): boolean => registry.get(ns) !== undefined || topicsOf(ns) > 0;

  app.get('/v1/namespaces', { config: { tenant: true } }, async (request) => {
    const names = new Set<string>([...(src.log?.listNamespaces() ?? []), ...registry.list().map((r) => r.name)]);
    const visible = visibleNamespaces(request);
    const namespaces = [...names]
      .filter((n) => visible === undefined || visible.includes(n))
      .sort()
      .map((n) => {
        const r = registry.get(n);
        return { name: n, topics: topicsOf(n), registered: r !== undefined, ...(r ? { quotas: r.quotas, createdAt: r.createdAt } : {}) };
      });
    return { namespaces };
  });

  app.put<{ Params: { ns: string }; Body: { quotas?: Record<string, number | null> } | undefined }>(
    '/v1/namespaces/:ns',
    { config: { adminOnly: true }, schema: { params: nsParams, body: { type: ['object', 'null'], additionalProperties: false, properties: { quotas: quotasSchema } } } },
    async (request, reply) => {
      const { record, created } = await registry.put(request.params.ns, validateQuotas(request.body?.quotas));
      return reply.status(created ? 201 : 200).send(record);
    },
  );

  app.get<{ Params: { ns: string } }>('/v1/namespaces/:ns', { schema: { params: nsParams } }, async (request) => {
    const { ns } = request.params;
    if (!known(ns)) throw new StrataError('STRATA_ERR_NAMESPACE_NOT_FOUND', `namespace ${ns} does not exist`, { details: { namespace: ns } });
    const r = registry.get(ns);
    return { name: ns, registered: r !== undefined, createdAt: r?.createdAt ?? null, quotas: r?.quotas ?? {}, usage: { topics: topicsOf(ns), ...(src.usage?.(ns) ?? {}) } };
  });

  app.delete<{ Params: { ns: string }; Querystring: { force?: boolean } }>(
    '/v1/namespaces/:ns',
    { config: { adminOnly: true }, schema: { params: nsParams, querystring: { type: 'object', properties: { force: { type: 'boolean' } } } } },
    async (request, reply) => {
      const { ns } = request.params;
      if (!known(ns)) throw new StrataError('STRATA_ERR_NAMESPACE_NOT_FOUND', `namespace ${ns} does not exist`, { details: { namespace: ns } });
      const topics = src.log?.listTopics(ns) ?? [];
      if (topics.length > 0 && !request.query.force) {
        throw new StrataError('STRATA_ERR_NAMESPACE_NOT_EMPTY', `namespace ${ns} still holds ${topics.length} topic(s); delete them first or add ?force=true`, { details: { namespace: ns, topics: topics.length } });
      }
      for (const t of topics) await src.log!.deleteTopic(ns, t.name);
      for (const g of (await src.log?.listGroups(ns)) ?? []) await src.log!.deleteGroup(ns, g);
      if (registry.get(ns)) await registry.delete(ns);
      request.log.info({ namespace: ns, topics: topics.length }, 'namespace deleted over HTTP');
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { ns: string } }>('/v1/namespaces/:ns/credentials', { config: { adminOnly: true }, schema: { params: nsParams } }, async (request) => {
    const { ns } = request.params;
    if (!registry.get(ns)) throw new StrataError('STRATA_ERR_NAMESPACE_NOT_FOUND', `namespace ${ns} is not registered`, { details: { namespace: ns } });
    return { credentials: registry.credentialsOf(ns).map(publicCredential) };
  });

  app.put<{ Params: { ns: string; user: string }; Body: { password: string; admin?: boolean; acl?: AclRule[] } }>(
    '/v1/namespaces/:ns/credentials/:user',
    {
      config: { adminOnly: true },
      schema: {
        params: credParams,
        body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password: { type: 'string', minLength: 1 }, admin: { type: 'boolean' }, acl: aclSchema } },
      },
    },
    async (request, reply) => {
      const { ns, user } = request.params;
      const { record, created } = await registry.putCredential(ns, user, request.body);
      return reply.status(created ? 201 : 200).send(publicCredential(record));
    },
  );

  app.delete<{ Params: { ns: string; user: string } }>('/v1/namespaces/:ns/credentials/:user', { config: { adminOnly: true }, schema: { params: credParams } }, async (request, reply) => {
    await registry.deleteCredential(request.params.ns, request.params.user);
    return reply.status(204).send();
  });
}
