import type { AccessStore } from '@gochat/channel-access';
import type { VoiceConfig } from '@gochat/config';
import type { Database } from '@gochat/db';
import { unauthenticated } from '@gochat/errors';
import type { SnowflakeGenerator } from '@gochat/ids';
import type { NodeDirectory } from '@gochat/sfu-directory';
import type { BaseContext } from '@gochat/subgraph-kit';
import type { VoiceTokenSigner } from '@gochat/voice-token';

export interface VoiceContext extends BaseContext {
  db: Database;
  access: AccessStore;
  ids: SnowflakeGenerator;
  /** Where rooms are placed (etcd, or the configured nodes). */
  directory: NodeDirectory;
  tokens: VoiceTokenSigner;
  settings: VoiceConfig;
  /** Publishes committed outbox events soon. */
  kick(): void;
}

/** The signed-in caller's id, or UNAUTHENTICATED. */
export function callerId(ctx: VoiceContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}
