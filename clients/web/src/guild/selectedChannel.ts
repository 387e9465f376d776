import type { ChannelFieldsFragment } from '@gochat/react';

import type { Settings } from '../settings/types.ts';

type Channel = Pick<ChannelFieldsFragment, 'id' | 'kind'>;

/** Channels a guild's page opens (voice channels join a call; categories only group). */
const opens = (channel: Channel) => channel.kind !== 'VOICE' && channel.kind !== 'CATEGORY';

/** The channel the viewer last had open in the guild, from the synced settings (any device). */
export const selectedChannelOf = (settings: Settings | undefined, guildId: string): string | null =>
  settings?.guilds.find((g) => g.guildId === guildId)?.selectedChannelId ?? null;

/**
 * The channel a guild opens on: the one last selected, while it still exists and the viewer can see
 * it (the guild's channels are those they can see); otherwise the system channel, or the first text
 * channel; null when there is none.
 */
export function channelToOpen(
  channels: readonly Channel[],
  selectedId: string | null,
  systemChannelId: string | null,
): string | null {
  const selected = selectedId ? channels.find((c) => c.id === selectedId) : undefined;
  if (selected && opens(selected)) return selected.id;
  return systemChannelId ?? channels.find((c) => c.kind === 'TEXT')?.id ?? null;
}
