import type { Database, Transaction } from '@gochat/db';
import { DomainError } from '@gochat/errors';
import { NoSfuNodeError, type NodeDirectory, type SfuNode } from '@gochat/sfu-directory';

import type { VoiceChannelFacts } from './store/channels.ts';
import type { VoiceStateRow } from './store/rows.ts';
import { callIsEmpty, lockChannel } from './store/states.ts';

/** The room's node: its bound one, else one placed by region and load (call with the channel locked). */
export async function placeRoom(directory: NodeDirectory, channel: VoiceChannelFacts): Promise<SfuNode> {
  try {
    return await directory.place(channel.channelId, channel.region);
  } catch (error) {
    if (error instanceof NoSfuNodeError)
      throw new DomainError('SERVICE_UNAVAILABLE', 'No voice server is available. Try again later.');
    throw error;
  }
}

/** Forgets the room's node when its call is empty, so the next join places it afresh (channel locked). */
export async function releaseIfEmpty(
  directory: NodeDirectory,
  tx: Transaction,
  left: VoiceStateRow,
): Promise<void> {
  if (await callIsEmpty(tx, left.channelId)) await directory.release(left.channelId, left.nodeId);
}

/** The same, for a call left in an earlier transaction (a switch or a move): locks the room itself. */
export async function releaseLeftRoom(
  db: Database,
  directory: NodeDirectory,
  left: VoiceStateRow,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockChannel(tx, left.channelId);
    await releaseIfEmpty(directory, tx, left);
  });
}
