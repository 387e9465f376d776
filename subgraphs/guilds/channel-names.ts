/**
 * Discord's channel-name rule: text and voice channel names are lower-cased, with each run of
 * whitespace turned into one dash; category names keep their case. All are trimmed first.
 */
export function normalizeChannelName(kind: 'text' | 'voice' | 'category', raw: string): string {
  const trimmed = raw.trim();
  return kind === 'category' ? trimmed : trimmed.toLowerCase().replace(/\s+/g, '-');
}
