/**
 * MQTT over WebSocket (MQTT 5.0 §6): binary frames, subprotocol `mqtt`, on a path of an existing HTTP
 * server (the fastify server's `upgrade` event). Each WebSocket becomes a Duplex for MqttServer.handle.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { MqttServer } from './server.js';

export function attachWebSocket(http: Server, path: string, mqtt: MqttServer, maxPayload: number): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false), // [MQTT-6.0.0-3]
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      (req.socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      mqtt.handle(stream, { address: req.socket.remoteAddress });
    });
  };
  http.on('upgrade', onUpgrade);
  return () => {
    http.off('upgrade', onUpgrade);
    for (const c of wss.clients) c.terminate();
    wss.close();
  };
}
