import { publicUrl, secretsSection, voiceSection } from '@gochat/config';
import { z } from 'zod';

/** What the voice role reads beyond the shared infrastructure sections. */
export const voiceConfigSchema = z.object({
  secrets: secretsSection('internal'),
  /** The issuer of voice tokens: SFU nodes accept only this one. */
  publicUrl,
  voice: voiceSection,
});
export type VoiceRoleConfig = z.infer<typeof voiceConfigSchema>;
