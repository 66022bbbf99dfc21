/**
 * MQTT 5 enhanced authentication (§4.12) with SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), against
 * the same stored keys as Kafka's SASL/SCRAM (users file `scram` entries, namespace-registry credentials):
 *
 *   CONNECT  Authentication Method = SCRAM-SHA-…, Authentication Data = client-first
 *   AUTH     0x18 continue, Authentication Data = server-first          (server → client)
 *   AUTH     0x18 continue, Authentication Data = client-final          (client → server)
 *   CONNACK  0x00, Authentication Data = server-final (the client checks the server's signature)
 *
 * An unknown method gets CONNACK 0x8C (Bad authentication method) [MQTT-4.12.0-1]; a failed proof 0x86 (Bad
 * user name or password), with the same answer for an unknown user (a stand-in credential, RFC 5802 §9).
 * Anything but that AUTH mid-exchange gets CONNACK 0x82. Re-authentication (AUTH 0x19 after CONNACK) is not
 * offered: the connection is closed with DISCONNECT 0x87.
 */
import type { IConnectPacket } from 'mqtt-packet';
import type { AclRule } from '../../auth/acl.js';
import { isScramMechanism } from '../../auth/scram.js';
import { credentialOrStandIn, ScramError, ScramServerExchange } from '../../auth/scram-server.js';
import type { MqttConnection } from './connection.js';
import { RC } from './reason-codes.js';

const CONTINUE_AUTHENTICATION = 0x18;

export type EnhancedAuthResult =
  | { ok: true; user: string; namespace: string; acl?: AclRule[]; method: string; serverFinal: Buffer }
  | { ok: false; rc: number; reason: string };

/** Runs the exchange that a CONNECT with an Authentication Method starts; the caller sends CONNACK. */
export async function enhancedAuth(c: MqttConnection, p: IConnectPacket): Promise<EnhancedAuthResult | undefined> {
  const method = p.properties!.authenticationMethod!;
  const lookup = c.ctx.scram;
  if (!lookup || !isScramMechanism(method)) return { ok: false, rc: RC.BAD_AUTHENTICATION_METHOD, reason: `authentication method ${method} is not supported` };
  const exchange = new ScramServerExchange(method);
  try {
    const first = exchange.clientFirst((p.properties!.authenticationData ?? Buffer.alloc(0)).toString('utf8'));
    const account = await lookup(method, first.user);
    if (c.closed) return undefined;
    const serverFirst = exchange.serverFirst(credentialOrStandIn(method, first.user, account?.credential));
    c.write({ cmd: 'auth', reasonCode: CONTINUE_AUTHENTICATION, properties: { authenticationMethod: method, authenticationData: Buffer.from(serverFirst, 'utf8') } });
    const next = await c.nextAuth(c.ctx.limits.connectTimeoutMs);
    if (!next) return undefined; // closed or timed out
    if (next.cmd !== 'auth' || next.reasonCode !== CONTINUE_AUTHENTICATION || next.properties?.authenticationMethod !== method) {
      return { ok: false, rc: RC.PROTOCOL_ERROR, reason: 'expected AUTH 0x18 with the same authentication method' }; // [MQTT-4.12.0-5]
    }
    const final = exchange.clientFinal((next.properties.authenticationData ?? Buffer.alloc(0)).toString('utf8'));
    if (!final.ok || !account) {
      c.ctx.logger.info({ user: first.user, method, reason: final.ok ? 'unknown user' : final.reason }, 'MQTT enhanced authentication failed');
      return { ok: false, rc: RC.BAD_USER_NAME_OR_PASSWORD, reason: 'authentication failed' };
    }
    return { ok: true, user: first.user, namespace: account.namespace, ...(account.acl ? { acl: account.acl } : {}), method, serverFinal: Buffer.from(final.serverFinal, 'utf8') };
  } catch (err) {
    if (err instanceof ScramError) return { ok: false, rc: RC.BAD_USER_NAME_OR_PASSWORD, reason: `malformed SCRAM message: ${err.message}` };
    throw err;
  }
}
