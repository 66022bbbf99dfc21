/**
 * Change notifications for mounts (issue #7). A watcher tells a mount that objects under its prefix were
 * created or removed; it never assigns offsets. A "created" notification only makes the mount run its
 * ordinary poll early (an incremental LIST after the last key, or a full LIST when the key sorts before it),
 * so the LIST-driven indexer stays the one place that appends objects and offsets are exactly those polling
 * gives. LIST polling keeps running at its interval as the safety net (lost events, reconnect gaps).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counter } from '../../metrics/registry.js';

export type WatchEventKind = 'created' | 'removed';
export interface WatchEvent {
  kind: WatchEventKind;
  key: string;
}

/**
 * off: disabled by configuration; unsupported: the source cannot notify (AWS S3, file://, an endpoint that
 * refused or does not stream the listen API), polling only; connecting / reconnecting: no live stream now;
 * active: events arrive.
 */
export type WatchState = 'off' | 'unsupported' | 'connecting' | 'active' | 'reconnecting';

export interface WatchHandlers {
  onEvent(event: WatchEvent): void;
  /** A state change; `reason` explains off/unsupported/reconnecting. */
  onState(state: WatchState, reason?: string): void;
}

export interface MountWatcher {
  close(): void;
}

/** Starts a watcher for one mount. */
export type StartWatch = (handlers: WatchHandlers) => MountWatcher;

/** A watcher for a source that cannot notify: reports `unsupported` once, then nothing. */
export function unsupportedWatch(reason: string): StartWatch {
  return (h) => {
    queueMicrotask(() => h.onState('unsupported', reason));
    return { close() {} };
  };
}

export interface NotificationStatus {
  mode: 'auto' | 'off';
  state: WatchState;
  reason?: string;
  /** Notifications received (created + removed). */
  events: number;
  /** Times the listen stream was re-established after it dropped. */
  reconnects: number;
  /** Early polls a notification started. */
  earlyPolls: number;
}

export interface NotifierHooks {
  /** undefined = a created key the mount knows already (an overwrite: polling ignores it too). */
  pollFor(key: string): { full: boolean } | undefined;
  /** Runs the mount's ordinary poll (serialised with the periodic one). */
  refresh(options: { full: boolean }): Promise<void>;
}

export interface NotifierOptions {
  mode: 'auto' | 'off';
  /** Coalesces a burst of notifications into one early poll. */
  debounceMs?: number;
  logger?: Logger;
  metrics?: Registry;
  labels: { ns: string; topic: string };
  pollIntervalMs: number;
}

export function notificationMetrics(registry?: Registry) {
  return {
    events: counter({ name: 'strata_mount_notifications_total', help: 'Bucket notifications received by mounts', labelNames: ['event'] as const }, registry),
    reconnects: counter({ name: 'strata_mount_notification_reconnects_total', help: 'Times a mount re-established a dropped bucket-notification stream' }, registry),
    earlyPolls: counter({ name: 'strata_mount_notification_polls_total', help: 'Mount polls started early by a bucket notification (instead of waiting for the poll interval)' }, registry),
  };
}

/** Per-mount glue: watcher state for the status, metrics, and coalesced early polls. */
export class MountNotifier {
  private state: WatchState;
  private reason: string | undefined;
  private events = 0;
  private reconnects = 0;
  private earlyPolls = 0;
  private everActive = false;
  private pending: { full: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: MountWatcher | undefined;
  private closed = false;
  private readonly metrics;

  constructor(
    private readonly hooks: NotifierHooks,
    private readonly options: NotifierOptions,
  ) {
    this.state = options.mode === 'off' ? 'off' : 'connecting';
    this.metrics = notificationMetrics(options.metrics);
  }

  start(watch: StartWatch | undefined): void {
    if (this.options.mode === 'off') return;
    if (!watch) return this.setState('unsupported', 'no notification source configured');
    this.watcher = watch({ onEvent: (e) => this.onEvent(e), onState: (s, r) => this.setState(s, r) });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
  }

  status(): NotificationStatus {
    return { mode: this.options.mode, state: this.state, ...(this.reason ? { reason: this.reason } : {}), events: this.events, reconnects: this.reconnects, earlyPolls: this.earlyPolls };
  }

  private setState(state: WatchState, reason?: string): void {
    if (this.closed) return;
    const before = this.state;
    this.state = state;
    this.reason = reason;
    const log = this.options.logger;
    if (state === 'unsupported' && before !== 'unsupported') {
      // the one line a fallback logs: polling goes on as before
      log?.info({ ...this.options.labels, reason, pollIntervalMs: this.options.pollIntervalMs }, 'mount notifications unavailable; new objects are found by LIST polling');
    }
    if (state === 'active') {
      if (this.everActive) {
        this.reconnects++;
        this.metrics.reconnects.inc();
        log?.info(this.options.labels, 'mount notification stream reconnected');
      }
      this.everActive = true;
      // objects created while no stream was listening: one full LIST closes the gap
      this.kick({ full: true });
    }
    if (state === 'reconnecting' && before === 'active') log?.warn({ ...this.options.labels, reason }, 'mount notification stream dropped; reconnecting (polling continues)');
  }

  private onEvent(e: WatchEvent): void {
    if (this.closed) return;
    this.events++;
    this.metrics.events.inc({ event: e.kind });
    if (e.kind !== 'created') return; // offsets never move: a removed object keeps its records' offsets
    const poll = this.hooks.pollFor(e.key);
    if (poll) this.kick(poll);
  }

  /** Coalesces: one early poll per burst, full if any key in it needs a full LIST. */
  private kick(poll: { full: boolean }): void {
    if (this.closed) return;
    if (this.pending) {
      this.pending.full ||= poll.full;
      return;
    }
    const pending = (this.pending = { ...poll });
    this.timer = setTimeout(() => {
      // cleared before the LIST starts: an event arriving during it schedules another poll
      this.pending = undefined;
      this.earlyPolls++;
      this.metrics.earlyPolls.inc();
      this.hooks.refresh(pending).catch(() => {}); // the mount records and logs poll errors
    }, this.options.debounceMs ?? 25);
    this.timer.unref?.();
  }
}
