/**
 * HTTP side of agent channels (docs/agents.md, docs/reference/http-api.md "Agents"):
 *   GET  /v1/namespaces/:ns/agents                          list retained agent cards with their status
 *   POST /v1/namespaces/:ns/agents/:agent/requests          ask one agent, wait for the reply
 *   POST /v1/namespaces/:ns/skills/:skill/requests          ask the skill's worker pool, wait for the reply
 * Registered by the MQTT component (it owns the broker).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError } from '../../errors.js';
import type { AgentGateway, AgentReply } from '../../broker/agents/gateway.js';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import { admitHttpProduce } from './quotas.js';

/** One MQTT topic level without wildcards, not starting with `$` (docs/agents.md "Names"). */
const level = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^/+#$\\u0000][^/+#\\u0000]*$' } as const;
const ns = { type: 'string', minLength: 1, maxLength: 249 } as const;
const timeoutQuery = { timeout_ms: { type: 'integer', minimum: 1, maximum: 300_000, default: 30_000 } } as const;

type Req = FastifyRequest<{ Params: { ns: string; agent?: string; skill?: string }; Querystring: { timeout_ms: number; skill?: string } }>;

function inputOf(request: FastifyRequest): { payload: Buffer; contentType: string } {
  const ct = String(request.headers['content-type'] ?? '').toLowerCase();
  const body = request.body;
  if (body === undefined || body === null) return { payload: Buffer.alloc(0), contentType: 'application/json' };
  if (typeof body === 'string') return { payload: Buffer.from(body), contentType: ct.startsWith('text/') ? String(request.headers['content-type']) : 'text/plain; charset=utf-8' };
  return { payload: Buffer.from(JSON.stringify(body)), contentType: 'application/json' };
}

/** JSON chunks parsed, text (or untyped) as strings, anything else (and invalid JSON) as `{"base64": …}`. Never throws. */
function chunkValue(c: { payload: Buffer; contentType?: string }): unknown {
  const ct = (c.contentType ?? '').toLowerCase();
  try {
    if (ct.startsWith('application/json')) return c.payload.length ? JSON.parse(c.payload.toString('utf8')) : null;
  } catch {
    return { base64: c.payload.toString('base64') };
  }
  if (ct.startsWith('text/') || !ct) return c.payload.toString('utf8');
  return { base64: c.payload.toString('base64') };
}

function send(reply: FastifyReply, r: AgentReply): FastifyReply {
  if (r.kind === 'stream') return reply.status(200).type('application/json').send({ chunks: r.chunks.map(chunkValue) });
  return reply.status(200).type(r.contentType ?? 'application/octet-stream').send(r.payload);
}

export function registerAgentRoutes(app: FastifyInstance, gateway: AgentGateway, quotas?: QuotaEnforcer): void {
  app.get<{ Params: { ns: string } }>(
    '/v1/namespaces/:ns/agents',
    { schema: { params: { type: 'object', required: ['ns'], properties: { ns } } } },
    async (request) => ({ agents: gateway.list(request.params.ns) }),
  );

  const ask = async (request: Req, reply: FastifyReply, topic: string, skill: string | undefined): Promise<FastifyReply> => {
    const input = inputOf(request);
    admitHttpProduce(quotas, reply, request.params.ns, 1, input.payload.length); // the request is one published message
    const base = { topic, skill, timeoutMs: request.query.timeout_ms, ...input };
    if (!String(request.headers.accept ?? '').includes('text/event-stream')) return send(reply, await gateway.request(request.params.ns, base));
    // Server-sent events: `chunk` events as they arrive, then `reply`/`end` or `error` (docs/reference/http-api.md).
    const ac = new AbortController();
    reply.hijack();
    const raw = reply.raw;
    raw.on('close', () => ac.abort());
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const event = (name: string, data: unknown, id?: number): void => void raw.write(`event: ${name}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
    let seq = 0;
    try {
      const r = await gateway.request(request.params.ns, { ...base, signal: ac.signal, onChunk: (c) => event('chunk', chunkValue(c), seq++) });
      if (r.kind === 'reply') event('reply', chunkValue({ payload: r.payload, contentType: r.contentType }));
      event('end', { chunks: seq });
    } catch (err) {
      const e = err instanceof StrataError ? err : new StrataError('STRATA_ERR_AGENT_ERROR', (err as Error).message);
      event('error', e.toJSON());
    }
    raw.end();
    return reply;
  };

  app.post(
    '/v1/namespaces/:ns/agents/:agent/requests',
    {
      schema: {
        params: { type: 'object', required: ['ns', 'agent'], properties: { ns, agent: level } },
        querystring: { type: 'object', properties: { ...timeoutQuery, skill: level } },
      },
    },
    async (request, reply) => {
      const r = request as Req;
      return ask(r, reply, `agents/${r.params.agent}/requests`, r.query.skill);
    },
  );

  app.post(
    '/v1/namespaces/:ns/skills/:skill/requests',
    {
      schema: {
        params: { type: 'object', required: ['ns', 'skill'], properties: { ns, skill: level } },
        querystring: { type: 'object', properties: timeoutQuery },
      },
    },
    async (request, reply) => {
      const r = request as Req;
      return ask(r, reply, `skills/${r.params.skill}/requests`, r.params.skill);
    },
  );
}
