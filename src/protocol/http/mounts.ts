/**
 * Mount admin API (docs/reference/http-api.md, "Mounts"):
 *   POST   /v1/namespaces/:ns/mounts          {source, topic, format}  → 201 mount status
 *   GET    /v1/namespaces/:ns/mounts          → {mounts: [status…]}
 *   GET    /v1/namespaces/:ns/mounts/:topic   → status (progress: objectsIndexed / objectsTotal)
 *   DELETE /v1/namespaces/:ns/mounts/:topic   → 204 (the source is never touched)
 */
import type { FastifyInstance } from 'fastify';
import type { MountRegistry } from '../../broker/mounts/registry.js';
import { MOUNT_FORMATS } from '../../broker/mounts/types.js';

const nsParams = { type: 'object', required: ['ns'], properties: { ns: { type: 'string' } } } as const;
const topicParams = { type: 'object', required: ['ns', 'topic'], properties: { ns: { type: 'string' }, topic: { type: 'string' } } } as const;

export function registerMountRoutes(app: FastifyInstance, mounts: MountRegistry): void {
  app.post<{ Params: { ns: string }; Body: { source: string; topic: string; format?: string } }>(
    '/v1/namespaces/:ns/mounts',
    {
      schema: {
       
        params: nsParams,
        body: {
          type: 'object',
          required: ['source', 'topic'],
          additionalProperties: false,
          properties: {
            source: { type: 'string', description: 's3://bucket/prefix or file:///dir' },
            topic: { type: 'string' },
            format: { type: 'string', enum: [...MOUNT_FORMATS], default: 'raw' },
          },
        },
      },
    },
    async (request, reply) => {
      const status = await mounts.create({ namespace: request.params.ns, ...request.body });
      return reply.status(201).send(status);
    },
  );

  app.get<{ Params: { ns: string } }>('/v1/namespaces/:ns/mounts', { schema: { params: nsParams } }, async (request) => ({
    mounts: mounts.list(request.params.ns),
  }));

  app.get<{ Params: { ns: string; topic: string } }>('/v1/namespaces/:ns/mounts/:topic', { schema: { params: topicParams } }, async (request) =>
    mounts.require(request.params.ns, request.params.topic).status(),
  );

  app.delete<{ Params: { ns: string; topic: string } }>('/v1/namespaces/:ns/mounts/:topic', { schema: { params: topicParams } }, async (request, reply) => {
    await mounts.delete(request.params.ns, request.params.topic);
    return reply.status(204).send();
  });
}
