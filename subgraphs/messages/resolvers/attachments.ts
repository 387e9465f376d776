import type { Resolvers } from '../generated/resolvers.ts';

/**
 * Attachments come with their message (no read per attachment); their URLs are signed per request,
 * for whoever could read the message, and stop working when they expire.
 */
export const resolvers: Resolvers = {
  Attachment: {
    durationSeconds: (a) => a.durationSeconds ?? null,
    blurhash: (a) => a.blurhash ?? null,
    url: (a, _, ctx) => ctx.attachmentUrls.download(a),
    previews: (a, _, ctx) =>
      Promise.all(
        [...(a.previews ?? [])]
          .sort((x, y) => x.size - y.size)
          .map(async (p) => ({ ...p, url: await ctx.attachmentUrls.preview(a, p.size) })),
      ),
  },
};
