/** MQTT 5 features end to end with mqtt.js. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, collect, connect, connectCollect, sleep, startBroker, type TestBroker } from './helpers.js';

let tb: TestBroker;
beforeEach(async () => {
  tb = await startBroker();
});
afterEach(async () => {
  await closeAll();
  await tb.close();
});

const v5 = { protocolVersion: 5 as const };

describe('MQTT 5', () => {
  it('passes user properties, content type, payload format, response topic and correlation data through', async () => {
    const { client: sub, got } = await connectCollect(tb, v5);
    await sub.subscribeAsync('req', { qos: 1 });
    const pub = await connect(tb, v5);
    const properties = { userProperties: { a: '1', b: ['x', 'y'] }, contentType: 'application/json', payloadFormatIndicator: true, responseTopic: 'reply/1', correlationData: Buffer.from('c0ffee') };
    await pub.publishAsync('req', '{}', { qos: 1, properties });
    const [m] = await got.wait(1);
    const p = m!.packet.properties!;
    expect(p.userProperties).toEqual({ a: '1', b: ['x', 'y'] });
    expect(p.contentType).toBe('application/json');
    expect(p.payloadFormatIndicator).toBe(true);
    expect(p.responseTopic).toBe('reply/1');
    expect(Buffer.from(p.correlationData!).toString()).toBe('c0ffee');
  });

  it('request/response: responder answers on the response topic with the correlation data', async () => {
    const responder = await connect(tb, v5);
    await responder.subscribeAsync('svc/echo', { qos: 1 });
    responder.on('message', (_t, payload, packet) => {
      responder.publishAsync(packet.properties!.responseTopic!, payload, { qos: 1, properties: { correlationData: packet.properties!.correlationData } }).catch(() => {});
    });
    const { client: req, got } = await connectCollect(tb, v5);
    await req.subscribeAsync('me/replies', { qos: 1 });
    await req.publishAsync('svc/echo', 'ping', { qos: 1, properties: { responseTopic: 'me/replies', correlationData: Buffer.from('42') } });
    const [m] = await got.wait(1);
    expect(m!.payload.toString()).toBe('ping');
    expect(Buffer.from(m!.packet.properties!.correlationData!).toString()).toBe('42');
  });

  it('message expiry: expired queued messages are dropped, others carry the remaining interval', async () => {
    const opts = { ...v5, clientId: 'exp', clean: false, properties: { sessionExpiryInterval: 60 } };
    const s = await connect(tb, opts);
    await s.subscribeAsync('e/#', { qos: 1 });
    await s.endAsync();
    const pub = await connect(tb, v5);
    await pub.publishAsync('e/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('e/long', 'kept', { qos: 1, properties: { messageExpiryInterval: 100 } });
    await sleep(1100);
    const { got } = await connectCollect(tb, opts);
    const m = await got.wait(1);
    await sleep(100);
    expect(got.messages.map((r) => r.payload.toString())).toEqual(['kept']);
    expect(m[0]!.packet.properties!.messageExpiryInterval).toBeLessThanOrEqual(99);
  });

  it('subscription identifiers, no-local and retain-as-published', async () => {
    const { client: c, got } = await connectCollect(tb, { ...v5, clientId: 'self' });
    await c.subscribeAsync('n/#', { qos: 1, nl: true, properties: { subscriptionIdentifier: 7 } } as never);
    await c.subscribeAsync('rap/#', { qos: 1, rap: true, properties: { subscriptionIdentifier: 9 } } as never);
    await c.publishAsync('n/x', 'mine', { qos: 1 }); // no-local: not delivered back
    const other = await connect(tb, v5);
    await other.publishAsync('n/x', 'theirs', { qos: 1 });
    await other.publishAsync('rap/x', 'kept-retain', { qos: 1, retain: true });
    const m = await got.wait(2);
    expect(m.map((r) => r.payload.toString())).toEqual(['theirs', 'kept-retain']);
    expect(m[0]!.packet.properties!.subscriptionIdentifier).toBe(7);
    expect(m[1]!.packet.properties!.subscriptionIdentifier).toBe(9);
    expect(m[1]!.packet.retain).toBe(true);
  });

  it('retain handling 1 sends retained only for a new subscription, 2 never', async () => {
    const pub = await connect(tb, v5);
    await pub.publishAsync('rh/a', 'R', { qos: 1, retain: true });
    const { client: c, got } = await connectCollect(tb, v5);
    await c.subscribeAsync('rh/#', { qos: 1, rh: 1 } as never);
    await got.wait(1);
    await c.subscribeAsync('rh/#', { qos: 1, rh: 1 } as never);
    await c.subscribeAsync('rh/+', { qos: 1, rh: 2 } as never);
    await sleep(150);
    expect(got.messages.length).toBe(1);
  });

  it('topic aliases in both directions', async () => {
    const { client: sub, got } = await connectCollect(tb, { ...v5, properties: { topicAliasMaximum: 5 } });
    await sub.subscribeAsync('alias/topic', { qos: 0 });
    const pub = await connect(tb, { ...v5, autoUseTopicAlias: true } as never);
    for (let i = 0; i < 3; i++) await pub.publishAsync('alias/topic', `m${i}`, { qos: 1 });
    const m = await got.wait(3);
    expect(m.map((r) => r.topic)).toEqual(['alias/topic', 'alias/topic', 'alias/topic']);
    expect(m[0]!.packet.properties?.topicAlias).toBe(1);
  });

  it('zero-length client id gets an assigned identifier', async () => {
    let assigned: string | undefined;
    await connect(tb, { ...v5, clientId: '' }, (c) => c.once('connect', (ack) => (assigned = ack.properties?.assignedClientIdentifier)));
    expect(assigned).toMatch(/^strata-/);
  });

  it('shared subscriptions split messages round-robin within a group, each group gets all', async () => {
    const a = await connectCollect(tb, v5);
    const b = await connectCollect(tb, v5);
    const other = await connectCollect(tb, v5);
    await a.client.subscribeAsync('$share/g1/jobs/#', { qos: 1 });
    await b.client.subscribeAsync('$share/g1/jobs/#', { qos: 1 });
    await other.client.subscribeAsync('$share/g2/jobs/#', { qos: 1 });
    const pub = await connect(tb, v5);
    for (let i = 0; i < 10; i++) await pub.publishAsync('jobs/x', `j${i}`, { qos: 1 });
    await other.got.wait(10);
    await sleep(100);
    expect(a.got.messages.length + b.got.messages.length).toBe(10);
    expect(a.got.messages.length).toBe(5);
  });

  it('receive maximum: never more unacknowledged messages in flight than the client allows', async () => {
    const received: number[] = [];
    const { client: sub } = await connectCollect(tb, { ...v5, properties: { receiveMaximum: 2 } });
    await sub.subscribeAsync('flow', { qos: 1 });
    const conn = [...tb.server.connections].find((c) => c.receiveMaximum === 2)!;
    const pub = await connect(tb, v5);
    for (let i = 0; i < 20; i++) pub.publishAsync('flow', `f${i}`, { qos: 1 }).catch(() => {});
    sub.on('message', () => received.push(conn.session!.inflight.size));
    await collect(sub).wait(20);
    expect(Math.max(...received)).toBeLessThanOrEqual(2);
  });

  it('maximum packet size: messages larger than the client allows are dropped, not sent', async () => {
    const { client: sub, got } = await connectCollect(tb, { ...v5, properties: { maximumPacketSize: 200 } });
    await sub.subscribeAsync('big', { qos: 1 });
    const pub = await connect(tb, v5);
    await pub.publishAsync('big', Buffer.alloc(500), { qos: 1 });
    await pub.publishAsync('big', 'small', { qos: 1 });
    const m = await got.wait(1);
    await sleep(100);
    expect(m.map((r) => r.payload.toString())).toEqual(['small']);
    expect(tb.broker.stats.dropped).toBe(1);
  });

  it('will delay: the will waits, and is cancelled by a reconnect within the delay', async () => {
    const { client: w, got } = await connectCollect(tb, v5);
    await w.subscribeAsync('lwt/#', { qos: 1 });
    const will = { topic: 'lwt/a', payload: Buffer.from('a'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } };
    const a = await connect(tb, { ...v5, clientId: 'wd-a', clean: false, properties: { sessionExpiryInterval: 10 }, will });
    const b = await connect(tb, { ...v5, clientId: 'wd-b', clean: false, properties: { sessionExpiryInterval: 10 }, will: { ...will, topic: 'lwt/b' } });
    (a as unknown as { stream: { destroy(): void } }).stream.destroy();
    (b as unknown as { stream: { destroy(): void } }).stream.destroy();
    await sleep(200);
    expect(got.messages.length).toBe(0);
    await connect(tb, { ...v5, clientId: 'wd-b', clean: false, properties: { sessionExpiryInterval: 10 } });
    const m = await got.wait(1, 3000);
    await sleep(300);
    expect(m.map((r) => r.topic)).toEqual(['lwt/a']);
  });

  it('session expiry: the session is gone after its expiry interval', async () => {
    const opts = { ...v5, clientId: 'shortlived', clean: false, properties: { sessionExpiryInterval: 1 } };
    const s = await connect(tb, opts);
    await s.subscribeAsync('x', { qos: 1 });
    await s.endAsync();
    await sleep(1200);
    const again = await connect(tb, opts);
    expect((again as unknown as { _lastConnack?: unknown }) && tb.broker.space('default').sessions.get('shortlived')!.subscriptions.size).toBe(0);
  });

  it('server disconnect with reason: takeover sends DISCONNECT 0x8E', async () => {
    const a = await connect(tb, { ...v5, clientId: 'dup' });
    const reason = new Promise<number | undefined>((r) => a.on('disconnect', (p) => r(p.reasonCode)));
    await connect(tb, { ...v5, clientId: 'dup' });
    expect(await reason).toBe(0x8e);
  });
});
