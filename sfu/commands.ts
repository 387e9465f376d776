import type { VoiceNodeCommandPayload } from '@gochat/events';
import type { Logger } from '@gochat/log';

import type { KickReason } from './protocol/messages.ts';
import type { SignallingServer } from './signalling/server.ts';

/** How a disconnect order's reason reads to the peer. */
const KICK_REASON: Record<Extract<VoiceNodeCommandPayload, { command: 'disconnect' }>['reason'], KickReason> =
  {
    left: 'left',
    switched: 'replaced',
    moderator: 'disconnected',
    removed: 'removed',
    stale: 'token-expired',
  };

/** Carries out one of the API's orders on this node's rooms (the change is already committed). */
export async function applyCommand(
  signalling: SignallingServer,
  command: VoiceNodeCommandPayload,
  log: Logger,
): Promise<void> {
  switch (command.command) {
    case 'moderate':
      await signalling.moderate(command.channelId, command.userId, {
        serverMute: command.serverMute,
        serverDeaf: command.serverDeaf,
      });
      return;
    case 'disconnect':
      await signalling.disconnect(command.channelId, command.userId, KICK_REASON[command.reason]);
      return;
    case 'move':
      await signalling.move(command.channelId, command.userId, command.targetChannelId);
      return;
    case 'close': {
      const users = signalling.rooms()[command.channelId] ?? [];
      await Promise.all(
        users.map((userId) => signalling.disconnect(command.channelId, userId, 'room-closed')),
      );
      return;
    }
    case 'migrate': {
      const told = signalling.migrate(command.channelId, command.rejoinWithinMs);
      log.info({ channelId: command.channelId, peers: told }, 'sfu: room migrating');
      return;
    }
  }
}
