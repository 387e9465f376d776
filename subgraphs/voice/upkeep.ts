import type { BusEvent, DurableConsumer, EventBus } from '@gochat/bus';
import type { VoiceConfig } from '@gochat/config';
import type { Database, Transaction } from '@gochat/db';
import {
  asCatalogEvent,
  newEvent,
  subjectPatterns,
  subjects,
  type NewEvent,
  type VoiceStateReason,
} from '@gochat/events';
import type { Logger } from '@gochat/log';
import { appendToOutbox } from '@gochat/outbox';
import type { NodeDirectory } from '@gochat/sfu-directory';

import { nodeCommand, voiceStateUpdated } from './events.ts';
import { releaseIfEmpty, releaseLeftRoom } from './rooms.ts';
import { voiceChannelFacts } from './store/channels.ts';
import type { VoiceStateRow } from './store/rows.ts';
import {
  confirmSession,
  deleteNodeStates,
  deleteState,
  deleteStatesOffNodes,
  deleteUnconfirmed,
  lockChannel,
  stateOf,
  statesInGuild,
} from './store/states.ts';

export interface VoiceUpkeepDeps {
  db: Database;
  bus: EventBus;
  directory: NodeDirectory;
  settings: VoiceConfig;
  log: Logger;
  /** Publishes committed outbox events soon. */
  kick(): void;
  /** How often stale states are swept (default: every 5 s). */
  sweepEveryMs?: number;
}

export interface VoiceUpkeep {
  /** One sweep now: states of dead nodes, and joins never confirmed. Resolves with what it removed. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/** The durable every voice API process shares: SFU reports, and the guild changes voice follows. */
export const VOICE_CONSUMER = 'voice-states';

/**
 * Keeps voice states exact without a client's help: a node that dies takes its calls' states with it
 * (its directory entry goes with its lease), a join the SFU never confirmed is dropped after the
 * grace period, the SFU's reports confirm or end sessions, and a region change moves live rooms.
 * Every removal is announced (VoiceStateUpdated) in the transaction that makes it.
 */
export async function startVoiceUpkeep(deps: VoiceUpkeepDeps): Promise<VoiceUpkeep> {
  const { db, log } = deps;

  const removeAll = async (
    reason: VoiceStateReason,
    remove: (tx: Transaction) => Promise<VoiceStateRow[]>,
  ) => {
    const removed = await db.transaction(async (tx) => {
      const states = await remove(tx);
      if (states.length > 0)
        await appendToOutbox(
          tx,
          states.map((before) => voiceStateUpdated(reason, { before })),
        );
      return states;
    });
    if (removed.length > 0) {
      deps.kick();
      log.info({ reason, count: removed.length }, 'voice: states removed');
    }
    // Rooms left empty are unbound, as when their last member leaves (a dead node's went with it).
    const rooms = new Map(removed.map((state) => [state.channelId, state]));
    for (const state of rooms.values()) await releaseLeftRoom(db, deps.directory, state);
    return removed.length;
  };

  const sweep = async () => {
    const live = deps.directory.nodes().map((n) => n.id);
    const grace = new Date(Date.now() - deps.settings.connectGraceSeconds * 1000);
    return (
      (await removeAll('nodeLost', (tx) => deleteStatesOffNodes(tx, live))) +
      (await removeAll('dropped', (tx) => deleteUnconfirmed(tx, grace)))
    );
  };

  const unwatch = deps.directory.onChange((event) => {
    if (event.type !== 'down') return;
    removeAll('nodeLost', (tx) => deleteNodeStates(tx, event.node.id)).catch((error: unknown) =>
      log.warn(
        { err: error, nodeId: event.node.id },
        'voice: clearing a lost node failed; the sweep retries',
      ),
    );
  });

  const timer = setInterval(() => {
    sweep().catch((error: unknown) => log.warn({ err: error }, 'voice: sweep failed'));
  }, deps.sweepEveryMs ?? 5_000);
  timer.unref();

  const consumer = await deps.bus.durable({
    name: VOICE_CONSUMER,
    patterns: [subjectPatterns.voicePeersAll, 'guild.*'],
    deadLetterSubject: 'deadletter.voice',
  });
  let stopped = false;
  const loop = consume(
    consumer,
    () => stopped,
    (event) => handle(deps, event),
    log,
  );

  return {
    sweep,
    async stop() {
      stopped = true;
      unwatch();
      clearInterval(timer);
      await consumer.close();
      await loop;
    },
  };
}

async function consume(
  consumer: DurableConsumer,
  stopped: () => boolean,
  handle: (event: BusEvent) => Promise<void>,
  log: Logger,
) {
  while (!stopped()) {
    const batch = await consumer.fetch(50, 1_000);
    for (const message of batch) {
      try {
        await handle(message.event);
        await message.ack();
      } catch (error) {
        log.warn({ err: error, type: message.event.type }, 'voice: event failed; retrying');
        await message.fail(error, 1_000);
      }
    }
  }
}

async function handle(deps: VoiceUpkeepDeps, raw: BusEvent): Promise<void> {
  const event = asCatalogEvent(raw);
  if (event?.type === 'VoicePeerReported') {
    const { connected, ...peer } = event.data;
    if (connected) await confirmConnected(deps, peer);
    else await endSession(deps, peer.userId, peer.sessionId);
  } else if (event?.type === 'ChannelUpdated') {
    if (event.data.fields.includes('voiceRegion'))
      await migrateRooms(deps, event.data.guildId, event.data.actorId, [event.data.channelId]);
  } else if (event?.type === 'GuildUpdated') {
    if (event.data.fields.includes('voiceRegion')) {
      const rooms = new Set((await statesInGuild(deps.db, event.data.guildId)).map((s) => s.channelId));
      await migrateRooms(deps, event.data.guildId, event.data.actorId, [...rooms]);
    }
  } else if (event?.type === 'ChannelDeleted') {
    await closeDeletedRoom(deps, event.data.channelId);
  } else if (event?.type === 'GuildMemberRemoved') {
    const state = await stateOf(deps.db, event.data.userId);
    if (state?.guildId === event.data.guildId)
      await endSession(deps, state.userId, state.sessionId, 'removed');
  }
}

/** A deleted channel's states went with it (foreign key); its node still holds the room's peers. */
async function closeDeletedRoom(deps: VoiceUpkeepDeps, channelId: string) {
  const node = await deps.directory.boundNode(channelId);
  if (!node) return;
  await deps.db.transaction(async (tx) => {
    await deps.directory.release(channelId, node.id);
    await appendToOutbox(tx, [nodeCommand({ command: 'close', nodeId: node.id, channelId })]);
  });
  deps.kick();
}

/**
 * The SFU admitted the session: the state is confirmed and announced, and the node is told the
 * member's server mute and deafen as they are now, which a moderator may have changed since the
 * token was signed.
 */
async function confirmConnected(
  deps: VoiceUpkeepDeps,
  peer: { nodeId: string; userId: string; channelId: string; sessionId: string },
) {
  const { userId, sessionId } = peer;
  const confirmed = await deps.db.transaction(async (tx) => {
    if (!(await confirmSession(tx, userId, sessionId))) {
      // No state for this session: it was dropped (never confirmed in time), or replaced. A peer
      // the API no longer counts must not stay in the room unseen, unless the user's current state
      // is a later session in that same room on that node (which replaced this peer there already).
      const current = await stateOf(tx, userId);
      const sameRoom = current?.channelId === peer.channelId && current.nodeId === peer.nodeId;
      if (sameRoom) return false;
      await appendToOutbox(tx, [
        nodeCommand({
          command: 'disconnect',
          nodeId: peer.nodeId,
          channelId: peer.channelId,
          userId,
          reason: 'stale',
        }),
      ]);
      return true;
    }
    const state = await stateOf(tx, userId);
    if (!state) return false;
    const events: NewEvent[] = [
      voiceStateUpdated('update', { before: { ...state, connectedAt: null }, now: state }),
    ];
    if (state.guildId)
      events.push(
        nodeCommand({
          command: 'moderate',
          nodeId: state.nodeId,
          channelId: state.channelId,
          userId,
          serverMute: state.serverMute,
          serverDeaf: state.serverDeaf,
        }),
      );
    await appendToOutbox(tx, events);
    return true;
  });
  if (confirmed) deps.kick();
}

/** The SFU lost the peer (or the member left the guild): the state goes, if still that session. */
async function endSession(deps: VoiceUpkeepDeps, userId: string, sessionId: string, closeReason?: 'removed') {
  const current = await stateOf(deps.db, userId);
  if (!current || current.sessionId !== sessionId) return;
  const ended = await deps.db.transaction(async (tx) => {
    await lockChannel(tx, current.channelId);
    const state = await deleteState(tx, userId, sessionId);
    if (!state) return false;
    const events: NewEvent[] = [voiceStateUpdated('dropped', { before: state })];
    if (closeReason)
      events.push(
        nodeCommand({
          command: 'disconnect',
          nodeId: state.nodeId,
          channelId: state.channelId,
          userId,
          reason: closeReason,
        }),
      );
    await appendToOutbox(tx, events);
    await releaseIfEmpty(deps.directory, tx, state);
    return true;
  });
  if (ended) deps.kick();
}

/**
 * A room whose region changed and whose node is elsewhere moves: its binding is released, its
 * members are told (feeds) to join again after a jitter, and the old node closes the room.
 */
async function migrateRooms(deps: VoiceUpkeepDeps, guildId: string, actorId: string, channelIds: string[]) {
  for (const channelId of channelIds) {
    const facts = await voiceChannelFacts(deps.db, channelId);
    const node = await deps.directory.boundNode(channelId);
    if (!facts || !node) continue;
    const region = facts.region ?? deps.settings.defaultRegion;
    const elsewhere = deps.directory.nodes().some((n) => n.region === region);
    if (node.region === region || !elsewhere) continue;
    const rejoinWithinMs = deps.settings.rejoinWithinMs;
    await deps.db.transaction(async (tx) => {
      await lockChannel(tx, channelId);
      await deps.directory.release(channelId, node.id);
      await appendToOutbox(tx, [
        newEvent('VoiceRoomMigrating', subjects.guild(guildId), {
          guildId,
          actorId,
          channelId,
          region: facts.region,
          rejoinWithinMs,
        }),
        nodeCommand({ command: 'migrate', nodeId: node.id, channelId, rejoinWithinMs }),
      ]);
    });
    deps.kick();
    deps.log.info({ channelId, from: node.id, region }, 'voice: room migrating to another region');
  }
}
