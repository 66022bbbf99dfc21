import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStrata, type StrataProcess } from '../support/process.js';

/** /openapi.json of the real process describes every route the HTTP API serves. */
describe('GET /openapi.json', () => {
  let strata: StrataProcess;
  beforeAll(async () => {
    strata = await startStrata();
  });
  afterAll(async () => {
    await strata?.stop();
  });

  it('is an OpenAPI 3 document listing every public endpoint with its parameters', async () => {
    const res = await fetch(`http://127.0.0.1:${strata.httpPort}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { title: string }; paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Strata HTTP API');
    const expected: Array<[string, string]> = [
      ['/healthz', 'get'],
      ['/readyz', 'get'],
      ['/metrics', 'get'],
      ['/v1/namespaces/{ns}/topics', 'get'],
      ['/v1/namespaces/{ns}/topics/{topic}', 'put'],
      ['/v1/namespaces/{ns}/topics/{topic}', 'get'],
      ['/v1/namespaces/{ns}/topics/{topic}', 'delete'],
      ['/v1/namespaces/{ns}/topics/{topic}/records', 'post'],
      ['/v1/namespaces/{ns}/topics/{topic}/partitions/{p}/records', 'get'],
      ['/v1/namespaces/{ns}/topics/{topic}/partitions/{p}/batch', 'get'],
      ['/v1/namespaces/{ns}/topics/{topic}/epoch-batches', 'get'],
      ['/v1/namespaces/{ns}/mounts', 'post'],
      ['/v1/namespaces/{ns}/mounts', 'get'],
      ['/v1/namespaces/{ns}/groups', 'get'],
    ];
    const missing = expected.filter(([path, method]) => !doc.paths[path]?.[method]);
    expect(missing, `paths in the document: ${Object.keys(doc.paths).join(', ')}`).toEqual([]);
    const batch = doc.paths['/v1/namespaces/{ns}/topics/{topic}/partitions/{p}/batch']!.get!;
    expect(batch.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:ns', 'path:topic', 'query:offset', 'query:format']));
  });
});
