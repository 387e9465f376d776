/**
 * Unfurling one link into an embed, for the embedder worker: fetched through @gochat/safe-fetch,
 * read with @gochat/embeds, cached per normalised URL, pictures copied to our blob store.
 */
export {
  CACHE_KEY_PREFIX,
  createUnfurler,
  UNFURL_DEFAULTS,
  unfurlCacheKey,
  type Unfurler,
  type UnfurlerDeps,
  type UnfurlOutcome,
  type UnfurlSettings,
} from './unfurler.ts';
export {
  createBlobImageProxy,
  proxiedImageKey,
  type BlobImageProxyOptions,
  type ImageProxy,
  type ProxiedMedia,
} from './image-proxy.ts';
export { fitEmbeds, linksToUnfurl } from './plan.ts';
