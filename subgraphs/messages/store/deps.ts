import type { SnowflakeGenerator } from '@gochat/ids';
import type { MessageStoreDeps } from '@gochat/message-store';

/** What every store module of the messages subgraph is built from. */
export interface StoreDeps extends MessageStoreDeps {
  ids: SnowflakeGenerator;
  /** Publishes committed outbox events soon. */
  kick(): void;
}
