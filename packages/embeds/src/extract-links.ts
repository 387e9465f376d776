import { MAX_LINKS_PER_MESSAGE } from './limits.ts';
import { normaliseUrl } from './normalise-url.ts';
import { scanLinks } from './scan-links.ts';

/**
 * The links of a chat message worth a preview: http(s) only, in order of appearance, deduplicated
 * and returned in their normalised form (see normaliseUrl: the form that is fetched, cached and shown),
 * at most `max` of them. What counts as a link (code, spoilers, `<…>`, masked links, trailing
 * punctuation) is described in scan-links.ts. Links longer than MAX_URL_LENGTH are skipped.
 */
export function extractLinks(content: string, max: number = MAX_LINKS_PER_MESSAGE): string[] {
  const links: string[] = [];
  if (!(max >= 1)) return links;
  const seen = new Set<string>();
  // A message repeating one link (or one broken link) is parsed as a URL once.
  const written = new Set<string>();
  for (const candidate of scanLinks(content)) {
    if (written.has(candidate)) continue;
    written.add(candidate);
    const link = normaliseUrl(candidate);
    if (link === null || seen.has(link)) continue;
    seen.add(link);
    links.push(link);
    if (links.length >= max) break;
  }
  return links;
}
