/**
 * Topic admin and record endpoints of the topic log (docs/reference/http-api.md "Topics and records"):
 *   PUT    /v1/namespaces/:ns/topics/:topic        create (JSON body: partial TopicConfig) → 201 TopicInfo
 *   GET    /v1/namespaces/:ns/topics/:topic        describe → TopicInfo
 *   DELETE /v1/namespaces/:ns/topics/:topic        delete with its data → 204
 *   GET    /v1/namespaces/:ns/topics               list → { topics: TopicInfo[] }
 *   POST   /v1/namespaces/:ns/topics/:topic/records                    produce (records.ts)
 *   GET    /v1/namespaces/:ns/topics/:topic/partitions/:p/records      consume (records.ts)
 */
import type { FastifyInstance } from 'fastify';
import { StrataError } from '../../errors.js';
import type { TopicConfig, TopicLog } from '../../log/types.js';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import { registerRecordRoutes } from './records.js';

const name = { type: 'string', minLength: 1, maxLength: 249 } as const;
const topicParams = { type: 'object', required: ['ns', 'topic'], properties: { ns: name, topic: name } } as const;

export function registerTopicRoutes(app: FastifyInstance, log: TopicLog, quotas?: QuotaEnforcer): void {
  app.put<{ Params: { ns: string; topic: string }; Body: Partial<TopicConfig> | undefined }>(
    '/v1/namespaces/:ns/topics/:topic',
    { schema: { params: topicParams } },
    async (request, reply) => {
      const body = request.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'topic config must be a JSON object');
      const info = await log.createTopic(request.params.ns, request.params.topic, body);
      return reply.status(201).send(info);
    },
  );

  app.get<{ Params: { ns: string; topic: string } }>('/v1/namespaces/:ns/topics/:topic', { schema: { params: topicParams } }, async (request) => {
    const { ns, topic } = request.params;
    const info = log.getTopic(ns, topic);
    if (!info) throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', `topic ${ns}/${topic} does not exist`);
    return info;
  });

  app.delete<{ Params: { ns: string; topic: string } }>('/v1/namespaces/:ns/topics/:topic', { schema: { params: topicParams } }, async (request, reply) => {
    await log.deleteTopic(request.params.ns, request.params.topic);
    return reply.status(204).send();
  });

  app.get<{ Params: { ns: string } }>('/v1/namespaces/:ns/topics', { schema: { params: { type: 'object', required: ['ns'], properties: { ns: name } } } }, async (request) => {
    return { topics: log.listTopics(request.params.ns) };
  });

  registerRecordRoutes(app, log, quotas);
}
