/**
 * MQTT metrics (docs/reference/metrics.md). The hot path bumps plain numbers; they are moved into the
 * Prometheus counters when the registry is scraped (the connections gauge's collect) and at least
 * once a second, so per-packet cost stays a few additions.
 */
import type { Registry } from 'prom-client';
import { counter, gauge } from '../../metrics/registry.js';
import type { BrokerMetrics } from '../../broker/mqtt/broker.js';
import type { DropReason } from '../../broker/mqtt/session.js';

export type Direction = 'in' | 'out';

export class MqttMetrics implements BrokerMetrics {
  connections = 0;
  private queuedNow = 0;
  private packetsIn: Record<string, number> = Object.create(null);
  private packetsOut: Record<string, number> = Object.create(null);
  private bytesIn = 0;
  private bytesOut = 0;
  private routedN = 0;
  private drops = new Map<DropReason, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly c: {
    packets: ReturnType<typeof counter<'type' | 'direction'>>;
    bytes: ReturnType<typeof counter<'direction'>>;
    routed: ReturnType<typeof counter>;
    dropped: ReturnType<typeof counter<'reason'>>;
  };

  constructor(registry?: Registry) {
    this.c = {
      packets: counter({ name: 'strata_mqtt_packets_total', help: 'MQTT control packets, by type and direction', labelNames: ['type', 'direction'] }, registry),
      bytes: counter({ name: 'strata_mqtt_bytes_total', help: 'MQTT bytes read from and written to clients', labelNames: ['direction'] }, registry),
      routed: counter({ name: 'strata_mqtt_messages_routed_total', help: 'Message deliveries to sessions (one per matching session)' }, registry),
      dropped: counter({ name: 'strata_mqtt_messages_dropped_total', help: 'Messages dropped instead of delivered, by reason', labelNames: ['reason'] }, registry),
    };
    const self = this;
    // whichever metric is scraped first moves the pending counts in
    for (const m of Object.values(this.c)) (m as unknown as { collect?: () => void }).collect = () => self.flush();
    const g = gauge({
      name: 'strata_mqtt_connections',
      help: 'Open MQTT network connections (after CONNECT)',
      collect() {
        self.flush();
        this.set(self.connections);
      },
    }, registry);
    gauge({
      name: 'strata_mqtt_messages_queued',
      help: 'QoS 1/2 messages waiting in session queues (offline clients or full receive windows)',
      collect() {
        this.set(self.queuedNow);
      },
    }, registry);
    void g;
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  packet(type: string, direction: Direction): void {
    const m = direction === 'in' ? this.packetsIn : this.packetsOut;
    m[type] = (m[type] ?? 0) + 1;
  }
  bytes(direction: Direction, n: number): void {
    if (direction === 'in') this.bytesIn += n;
    else this.bytesOut += n;
  }
  routed(n: number): void {
    this.routedN += n;
  }
  dropped(reason: DropReason | 'not_authorized' | 'no_subscribers' | 'packet_too_large' | 'quota'): void {
    this.drops.set(reason as DropReason, (this.drops.get(reason as DropReason) ?? 0) + 1);
  }
  queued(delta: number): void {
    this.queuedNow += delta;
  }

  flush(): void {
    for (const [direction, m] of [['in', this.packetsIn], ['out', this.packetsOut]] as const) {
      for (const type in m) if (m[type]) this.c.packets.inc({ type, direction }, m[type]!);
    }
    this.packetsIn = Object.create(null);
    this.packetsOut = Object.create(null);
    if (this.bytesIn) this.c.bytes.inc({ direction: 'in' }, this.bytesIn);
    if (this.bytesOut) this.c.bytes.inc({ direction: 'out' }, this.bytesOut);
    this.bytesIn = this.bytesOut = 0;
    if (this.routedN) this.c.routed.inc(this.routedN);
    this.routedN = 0;
    for (const [reason, n] of this.drops) this.c.dropped.inc({ reason }, n);
    this.drops.clear();
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
