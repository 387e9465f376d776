import type { Embed } from '@gochat/embeds';
import { newEvent, subjects } from '@gochat/events';
import DataLoader from 'dataloader';
import {
  contentVersion,
  visibleEmbeds,
  type MessageStoreDeps,
  type TimelineMessage,
} from '@gochat/message-store';

import { defineWorker, type Delivered } from '../harness/index.ts';
import { EMBEDDER } from './config.ts';
import { createPreviewWriter } from './preview-writer.ts';
import { fitEmbeds, linksToUnfurl, type Unfurler } from './unfurl/index.ts';

const HANDLED = ['MessageCreated', 'MessageUpdated'] as const;
type Handled = (typeof HANDLED)[number];

export interface EmbedderDeps extends MessageStoreDeps {
  unfurler: Unfurler;
}

/** The link previews of a message's current content, in the order of its links (failures left out). */
async function previewsOf(message: TimelineMessage, unfurler: Unfurler): Promise<Embed[]> {
  const links = linksToUnfurl(message.content, message.embeds.length);
  // A throw is our own infrastructure failing (the blob store): the harness logs it once and the
  // whole message is tried again.
  const unfurled = await Promise.all(links.map((url) => unfurler.unfurl(url)));
  return fitEmbeds(
    message.embeds,
    unfurled.filter((embed): embed is Embed => embed !== null),
  );
}

/**
 * worker:embedder (issue 16): the links of sent and edited messages become link previews. Events
 * only say which message changed: the worker reads its current content from the store, so a
 * redelivery, an edit racing the worker or several embedder processes all end with the previews of
 * the content that is there now, written once per content version (decision 0045). The previews are
 * stored on the message with the version they were made from, then MessageEmbedsUpdated is published
 * through the outbox, after the commit (previews finished together share one transaction).
 */
export function createEmbedder(deps: EmbedderDeps) {
  const writer = createPreviewWriter(deps);
  // Messages read together are read in one query per channel; never cached (the content may change).
  const reader = new DataLoader<string, TimelineMessage | undefined>(
    async (keys) => {
      const byChannel = new Map<string, string[]>();
      for (const key of keys) {
        const [channelId, id] = key.split(':') as [string, string];
        byChannel.set(channelId, [...(byChannel.get(channelId) ?? []), id]);
      }
      const found = new Map<string, TimelineMessage>();
      for (const [channelId, ids] of byChannel)
        for (const message of await deps.timeline.get(channelId, ids))
          found.set(`${channelId}:${message.id}`, message);
      return keys.map((key) => found.get(key));
    },
    { cache: false, maxBatchSize: 100 },
  );
  return defineWorker<Handled>({
    name: EMBEDDER,
    subjects: [subjects.channelMessages('*', '*')],
    events: HANDLED,
    async handle({ event }: Delivered<Handled>, log) {
      // The author held EMBED_LINKS when they wrote it (absent in older events: no previews).
      if (event.data.linkPreviews !== true) return;
      const { channelId, messageId } = event.data;
      const message = await reader.load(`${channelId}:${messageId}`);
      if (!message) return; // deleted since
      const version = contentVersion(message);
      if (message.linkEmbeds?.version === version) return; // done: a redelivery, or an older event
      const previews = await previewsOf(message, deps.unfurler);
      // Nothing to show: nothing is written (the previews of an older version are not shown anyway).
      if (previews.length === 0) return;
      const linkEmbeds = { version, embeds: previews };
      await writer.write({
        mutation: { op: 'setLinkEmbeds', channelId, id: messageId, linkEmbeds },
        event: newEvent('MessageEmbedsUpdated', subjects.channelMessages(message.guildId, channelId), {
          messageId,
          channelId,
          parentChannelId: message.parentChannelId,
          guildId: message.guildId,
          editedAt: message.editedAt?.toISOString() ?? null,
          embeds: visibleEmbeds({ ...message, linkEmbeds }),
          suppressed: message.embedsSuppressed,
        }),
      });
      log.debug({ channelId, messageId, previews: previews.length }, 'embedder: link previews stored');
    },
  });
}
