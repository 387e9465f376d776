/** A voice_states row, as the resolvers receive it. */
export interface VoiceStateRow {
  userId: string;
  guildId: string | null;
  channelId: string;
  nodeId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  selfVideo: boolean;
  selfStream: boolean;
  serverMute: boolean;
  serverDeaf: boolean;
  connectedAt: Date | null;
  joinedAt: Date;
}

export interface VoiceModerationRow {
  guildId: string;
  userId: string;
  serverMute: boolean;
  serverDeaf: boolean;
}

export interface VoiceRegionRow {
  id: string;
  nodes: number;
  default: boolean;
}

export interface VoiceConnectionRow {
  state: VoiceStateRow;
  endpoint: string;
  nodeId: string;
  region: string;
  token: string;
  expiresAt: Date;
}

/** A reference the owning subgraph resolves. */
export interface EntityRef {
  id: string;
}
