import { publicUrl, secretsSection, sfuSection, voiceSection } from '@gochat/config';
import { z } from 'zod';

/** What an SFU node reads beyond the shared infrastructure sections. */
export const sfuConfigSchema = z.object({
  secrets: secretsSection('internal'),
  /** The voice tokens' issuer (the API's public URL); also the embedded SFU's URL, as ws(s)://…/sfu. */
  publicUrl,
  voice: voiceSection,
  sfu: sfuSection,
});
export type SfuRoleConfig = z.infer<typeof sfuConfigSchema>;

/** Where clients reach this node's signalling: sfu.url, else the public URL's /sfu over ws(s). */
export function signallingUrl(config: SfuRoleConfig): string {
  if (config.sfu.url) return config.sfu.url;
  const url = new URL(SFU_PATH, config.publicUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** The HTTP path the signalling WebSocket is served at. */
export const SFU_PATH = '/sfu';
