import type { Embed } from '@gochat/embeds';
import { newEvent, subjects } from '@gochat/events';
import type { Logger } from '@gochat/log';
import {
  commitChange,
  contentVersion,
  visibleEmbeds,
  type MessageStoreDeps,
  type TimelineMessage,
} from '@gochat/message-store';

import { defineWorker, type Delivered } from '../harness/index.ts';
import { EMBEDDER } from './config.ts';
import { fitEmbeds, linksToUnfurl, type Unfurler } from './unfurl/index.ts';

const HANDLED = ['MessageCreated', 'MessageUpdated'] as const;
type Handled = (typeof HANDLED)[number];

export interface EmbedderDeps extends MessageStoreDeps {
  unfurler: Unfurler;
}

/** The link previews of a message's current content, in the order of its links (failures left out). */
async function previewsOf(message: TimelineMessage, unfurler: Unfurler, log: Logger): Promise<Embed[]> {
  const links = linksToUnfurl(message.content, message.embeds.length);
  const unfurled = await Promise.all(
    links.map((url) =>
      unfurler.unfurl(url).catch((err: unknown) => {
        // Our own infrastructure (cache, blob store): the whole message is tried again.
        log.warn({ err, url }, 'embedder: unfurl failed');
        throw err;
      }),
    ),
  );
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
 * through the outbox, after the commit.
 */
export function createEmbedder(deps: EmbedderDeps) {
  return defineWorker<Handled>({
    name: EMBEDDER,
    subjects: [subjects.channelMessages('*', '*')],
    events: HANDLED,
    async handle({ event }: Delivered<Handled>, log) {
      // The author held EMBED_LINKS when they wrote it (absent in older events: no previews).
      if (event.data.linkPreviews !== true) return;
      const { channelId, messageId } = event.data;
      const [message] = await deps.timeline.get(channelId, [messageId]);
      if (!message) return; // deleted since
      const version = contentVersion(message);
      if (message.linkEmbeds?.version === version) return; // done: a redelivery, or an older event
      const previews = await previewsOf(message, deps.unfurler, log);
      // Nothing to show: nothing is written (the previews of an older version are not shown anyway).
      if (previews.length === 0) return;
      const linkEmbeds = { version, embeds: previews };
      await commitChange(deps, () =>
        Promise.resolve({
          result: undefined,
          timeline: { op: 'setLinkEmbeds' as const, channelId, id: messageId, linkEmbeds },
          events: [
            newEvent('MessageEmbedsUpdated', subjects.channelMessages(message.guildId, channelId), {
              messageId,
              channelId,
              parentChannelId: message.parentChannelId,
              guildId: message.guildId,
              editedAt: message.editedAt?.toISOString() ?? null,
              embeds: visibleEmbeds({ ...message, linkEmbeds }),
              suppressed: message.embedsSuppressed,
            }),
          ],
        }),
      );
      log.debug({ channelId, messageId, previews: previews.length }, 'embedder: link previews stored');
    },
  });
}
