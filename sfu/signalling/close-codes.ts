/**
 * Close codes of the signalling socket (docs/voice.md). 4000 to 4099 follow a notification that said
 * why: the client reacts to the notification and treats the code as confirmation.
 */
export const SIGNAL_CLOSE = {
  /** Left the room as asked. */
  left: 1000,
  /** The node is shutting down: join again (the API places the room anew). */
  shuttingDown: 1001,
  /**
   * After `kicked`: the API closed the peer (a moderator, a leave elsewhere) or a newer session
   * replaced it. Do not rejoin.
   */
  kicked: 4000,
  /** After `moved {channelId}`: join that channel through the API. */
  moved: 4001,
  /** After `rejoin {afterMs}`: the room moved to another node; join it again through the API. */
  migrating: 4002,
  /** Too many malformed frames. */
  badFrames: 4400,
  /** The token was refused, or none came in time. */
  unauthenticated: 4401,
} as const;
