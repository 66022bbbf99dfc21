/**
 * Example: a streaming agent consumed from a browser through server-sent events (docs/agents.md).
 *
 *   npm start &                                   # a Strata node: MQTT on 1883, HTTP on 8080
 *   npm run build && node dist/connectors/agent-sdk/examples/streaming-agent.js [mqtt://127.0.0.1:1883] [http://127.0.0.1:8080] [page port=8090]
 *   open http://127.0.0.1:8090/                   # type a sentence, watch the words arrive one by one
 *
 * The agent serves the skill `words`, streaming its input back word by word. The page is served here and
 * /v1/* is passed through to Strata, so the browser's fetch stays same-origin (the HTTP API sends no CORS
 * headers). With `--once` the script consumes one stream itself (the page's code, in Node) and exits.
 */
import { createServer } from 'node:http';
import { connectAgent } from '../index.js';

const args = process.argv.slice(2).filter((a) => a !== '--once');
const once = process.argv.includes('--once');
const url = args[0] ?? 'mqtt://127.0.0.1:1883';
const strata = args[1] ?? 'http://127.0.0.1:8080';
const pagePort = Number(args[2] ?? 8090);

const agent = await connectAgent({ url, agentId: 'words-1', card: { name: 'Word streamer', skills: ['words'], input: ['text/plain'], output: ['text/plain'] } });
await agent.serve('words', async function* (text) {
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    await new Promise((r) => setTimeout(r, 150)); // a slow "model"
    yield word;
  }
});

const PAGE = `<!doctype html><meta charset="utf-8"><title>Strata agent stream</title>
<input id="q" size="60" value="the quick brown fox jumps over the lazy dog"> <button id="go">ask</button><pre id="out"></pre>
<script>
go.onclick = async () => {
  out.textContent = '';
  const res = await fetch('/v1/namespaces/default/skills/words/requests?timeout_ms=5000', {
    method: 'POST', headers: { accept: 'text/event-stream', 'content-type': 'text/plain' }, body: q.value });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (let buf = ''; ;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    const events = buf.split('\\n\\n'); buf = events.pop();
    for (const e of events) {
      const name = /^event: (.*)$/m.exec(e)[1], data = JSON.parse(/^data: (.*)$/m.exec(e)[1]);
      out.textContent += name === 'chunk' ? data + ' ' : '\\n[' + name + '] ' + JSON.stringify(data);
    }
  }
};
</script>`;

const server = createServer(async (req, res) => {
  if (!req.url?.startsWith('/v1/')) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  const body = Buffer.concat(await req.toArray());
  const upstream = await fetch(strata + req.url, { method: req.method, headers: { accept: req.headers.accept ?? '*/*', 'content-type': req.headers['content-type'] ?? 'text/plain' }, body: req.method === 'GET' ? undefined : body });
  res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
  for await (const chunk of upstream.body ?? []) res.write(chunk);
  res.end();
});
await new Promise<void>((r) => server.listen(pagePort, '127.0.0.1', r));
console.log(`agent words-1 online; page on http://127.0.0.1:${pagePort}/`);

if (once) {
  const res = await fetch(`http://127.0.0.1:${pagePort}/v1/namespaces/default/skills/words/requests?timeout_ms=5000`, { method: 'POST', headers: { accept: 'text/event-stream', 'content-type': 'text/plain' }, body: 'streamed from an agent' });
  console.log(await res.text());
  server.close();
  await agent.close();
}
