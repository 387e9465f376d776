import { randomUUID } from 'node:crypto';

import type { BusEvent, EventBus } from '@gochat/bus';
import { subjects } from '@gochat/events';
import { schedulePeriodic, type Lifecycle, type PeriodicJob } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { DeviceStatus, OwnPresence, PresenceChange, PresenceStore } from '@gochat/presence';

import { PresenceCoalescer } from './presence-coalescer.ts';

/**
 * Presence of this router's connections: each one is a device in the shared store. The router
 * refreshes its devices' expiry, sweeps devices whose router died (anyone's), and publishes every
 * change others can see, after the store has it (presence.user.<id> and presence.guild.<id>).
 */
export class PresenceService {
  private readonly local = new Map<string, string>(); // deviceId -> userId
  private readonly jobs: PeriodicJob[] = [];
  private readonly coalescer: PresenceCoalescer;

  constructor(
    private readonly options: {
      store: PresenceStore;
      bus: EventBus;
      log: Logger;
      ttlMs: number;
      /** Presence changes of one user are published at most once per this window. */
      coalesceMs: number;
      lifecycle: Lifecycle;
    },
  ) {
    const { log, ttlMs, lifecycle } = options;
    this.coalescer = new PresenceCoalescer(
      options.coalesceMs,
      (change) => this.send(change),
      (err) => log.warn({ err }, 'presence: a coalesced change could not be published'),
    );
    this.jobs.push(
      schedulePeriodic({
        name: 'presence heartbeat',
        log,
        intervalMs: Math.floor(ttlMs / 3),
        run: () => this.heartbeat(),
      }),
      schedulePeriodic({
        name: 'presence sweep',
        log,
        intervalMs: Math.floor(ttlMs / 2),
        run: () => this.sweep(),
      }),
    );
    // Connections of a draining router expire on their own: clients reconnect elsewhere without a flicker.
    lifecycle.onDrain(() => {
      this.jobs.forEach((job) => job.stop());
      this.coalescer.flushAll().catch((err: unknown) => log.warn({ err }, 'presence: final flush failed'));
    });
  }

  deviceCount(userId: string): Promise<number> {
    return this.options.store.deviceCount(userId);
  }

  async open(input: {
    userId: string;
    deviceId: string;
    status: DeviceStatus;
    customStatus: string | null | undefined;
    audience: string[];
  }): Promise<void> {
    this.local.set(input.deviceId, input.userId);
    await this.publish(await this.options.store.connect({ ...input, ttlMs: this.options.ttlMs }));
  }

  async update(
    userId: string,
    deviceId: string,
    status: DeviceStatus,
    customStatus: string | null | undefined,
  ): Promise<OwnPresence> {
    await this.publish(await this.options.store.update({ userId, deviceId, status, customStatus }));
    return this.options.store.own(userId);
  }

  async close(userId: string, deviceId: string): Promise<void> {
    this.local.delete(deviceId);
    await this.publish(await this.options.store.disconnect(userId, deviceId));
  }

  async setAudience(userId: string, guildIds: string[]): Promise<void> {
    await this.options.store.setAudience(userId, guildIds);
  }

  get(userIds: string[]) {
    return this.options.store.get(userIds);
  }

  audiences(userIds: string[]) {
    return this.options.store.audiences(userIds);
  }

  private async heartbeat(): Promise<number> {
    const devices = [...this.local].map(([deviceId, userId]) => ({ userId, deviceId }));
    if (devices.length > 0) await this.options.store.heartbeat(devices, this.options.ttlMs);
    return 0;
  }

  private async sweep(): Promise<number> {
    this.coalescer.prune();
    const changes = await this.options.store.sweep(1_000);
    for (const change of changes) await this.publish(change);
    return changes.length;
  }

  private async publish(change: PresenceChange | null): Promise<void> {
    if (change) await this.coalescer.offer(change);
  }

  /**
   * Presence is live state, not history: published ephemerally, so it never takes a place in the
   * replay log (another user's status flips cannot push anyone's resume window out).
   */
  private async send(change: PresenceChange): Promise<void> {
    const { userId, status, customStatus } = change.after;
    const data = { userId, status, customStatus };
    const occurredAt = new Date().toISOString();
    const event = (subject: string): BusEvent => ({
      id: randomUUID(),
      type: 'PresenceUpdated',
      subject,
      occurredAt,
      data,
    });
    await Promise.all([
      this.options.bus.publishEphemeral(event(subjects.presenceUser(userId))),
      ...change.audience.map((guildId) =>
        this.options.bus.publishEphemeral(event(subjects.presenceGuild(guildId))),
      ),
    ]);
  }
}
