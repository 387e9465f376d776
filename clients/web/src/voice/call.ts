/**
 * The viewer's voice call: one per app (per GoChat), outside React so it survives route changes. It
 * asks the API to join (joinVoice: a node and a token), connects to that node (connection.ts), and
 * follows what the API and the node say: moderators' mutes, moves and disconnects, rooms migrating to
 * another node, the node going away. When the node cannot be reached the call shows that and stays
 * in the API (the server drops a state the node never confirms); Disconnect leaves it there too.
 * React reads it through useVoiceCall().
 */
import {
  ChannelFieldsFragmentDoc,
  JoinVoiceDocument,
  LeaveVoiceDocument,
  UpdateVoiceStateDocument,
  type ChannelFieldsFragment,
  type GoChat,
  type VoiceFeedEvent,
} from '@gochat/react';

import { describeError } from '../errors.tsx';
import { VoiceConnection, type VoiceFlags } from './connection.ts';
import { hasVoicePermission, SPEAK } from './permissions.ts';
import { VoiceError } from './signalling.ts';

/**
 * idle: in no call here. joining: asking the API. connecting: talking to the voice server.
 * connected: in the room. failed: the API has us in the call but the voice server could not be
 * reached or was lost (Retry, or Disconnect). disconnected: the call ended without us asking (a
 * moderator, another device, the server), with the reason.
 */
export type VoicePhase = 'idle' | 'joining' | 'connecting' | 'connected' | 'failed' | 'disconnected';

export interface VoiceCallState extends VoiceFlags {
  phase: VoicePhase;
  channelId: string | null;
  guildId: string | null;
  /** The channel's name when it was joined. */
  channelName: string | null;
  /** Why the call failed or ended, in words; null otherwise. */
  problem: string | null;
  /** A refused mute, deafen or leave, in words. */
  actionError: string | null;
  /** The microphone's problem, when others cannot hear us because of it. */
  microphone: string | null;
  /** Users heard speaking in the call now. */
  speaking: ReadonlySet<string>;
}

type SelfFlags = Pick<VoiceFlags, 'selfMute' | 'selfDeaf'>;

const NOBODY: ReadonlySet<string> = new Set();
/** Automatic rejoins after a failed media connection, per join. */
const MEDIA_RETRIES = 1;

const IDLE: VoiceCallState = {
  phase: 'idle',
  channelId: null,
  guildId: null,
  channelName: null,
  problem: null,
  actionError: null,
  microphone: null,
  speaking: NOBODY,
  selfMute: false,
  selfDeaf: false,
  serverMute: false,
  serverDeaf: false,
};

/** Words for why a call could not connect. */
export function describeVoiceError(error: unknown): string {
  if (error instanceof VoiceError) {
    switch (error.code) {
      case 'UNREACHABLE':
      case 'TIMEOUT':
      case 'CLOSED':
      case 'UNSUPPORTED':
      case 'MEDIA':
        return error.message;
      case 'UNAUTHENTICATED':
        return 'The voice server refused the connection.';
      case 'LIMIT':
        return `The voice server refused: ${error.message}.`;
      case 'FORBIDDEN':
        return `Not allowed: ${error.message}.`;
      default:
        return `The voice server failed: ${error.message}`;
    }
  }
  return describeError(error);
}

/** Words for a kick by the node (docs/voice.md's reasons). */
function kickedBecause(reason: string): string {
  switch (reason) {
    case 'disconnected':
      return 'A moderator disconnected you.';
    case 'replaced':
      return 'You joined this call from another tab or device.';
    case 'left':
      return 'You left the call from another tab or device.';
    case 'banned':
      return 'You were banned from this guild.';
    case 'removed':
      return 'You are no longer a member of this guild.';
    case 'room-closed':
      return 'The call was closed.';
    case 'token-expired':
      return 'Your voice session expired.';
    default:
      return 'You were disconnected.';
  }
}

/** Words for a call the API ended (VoiceStateUpdated with no channel), by its reason. */
function endedBecause(reason: string): string {
  switch (reason) {
    case 'disconnect':
      return 'A moderator disconnected you.';
    case 'leave':
      return 'You left the call from another tab or device.';
    case 'nodeLost':
      return 'The voice server stopped.';
    case 'dropped':
      return 'The voice server dropped your connection.';
    default:
      return 'You were disconnected.';
  }
}

export class VoiceCall {
  private state: VoiceCallState = IDLE;
  private readonly listeners = new Set<() => void>();
  private readonly toggleListeners = new Set<(before: SelfFlags, after: SelfFlags) => void>();
  private connection: VoiceConnection | null = null;
  /** Each join or leave starts a new attempt; answers of older ones are ignored. */
  private attempt = 0;
  private rejoinTimer: ReturnType<typeof setTimeout> | null = null;
  /** updateVoiceState calls in flight: their own echoes must not undo a newer toggle. */
  private updatesInFlight = 0;
  /**
   * Rejoins left after a broken media connection, until the viewer joins again themself: a network
   * that never lets media through fails the call instead of rejoining forever.
   */
  private mediaRetries = MEDIA_RETRIES;

  constructor(private readonly gochat: GoChat) {
    gochat.voice.subscribe((event) => this.onFeedEvent(event));
    gochat.session.subscribe(() => {
      if (!gochat.session.signedIn) this.reset();
    });
    if (typeof window !== 'undefined') window.addEventListener('pagehide', () => this.connection?.close());
  }

  get = (): VoiceCallState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Calls `listener` when the viewer toggles their own mute or deafen here (not for echoes from the
   * API, another device, or a refused toggle going back): the UI sounds follow it.
   */
  onSelfToggle = (listener: (before: SelfFlags, after: SelfFlags) => void): (() => void) => {
    this.toggleListeners.add(listener);
    return () => this.toggleListeners.delete(listener);
  };

  /** Whether the API has us in the call (so mute, deafen and leave are sent to it). */
  get inCall(): boolean {
    return ['joining', 'connecting', 'connected', 'failed'].includes(this.state.phase);
  }

  /** Joins a voice channel (leaving any other call); again for the same one reconnects. */
  join(channelId: string): Promise<void> {
    this.mediaRetries = MEDIA_RETRIES;
    return this.connect(channelId);
  }

  private async connect(channelId: string): Promise<void> {
    const attempt = this.restart();
    const channel = this.channel(channelId);
    this.set({
      phase: 'joining',
      channelId,
      guildId: channel?.guild?.id ?? null,
      channelName: channel?.name ?? this.state.channelName,
      problem: null,
      actionError: null,
      microphone: null,
      speaking: NOBODY,
    });
    const { selfMute, selfDeaf } = this.state;
    let answer;
    try {
      const { data } = await this.gochat.apollo.mutate({
        mutation: JoinVoiceDocument,
        variables: { channelId, selfMute, selfDeaf },
      });
      answer = data?.joinVoice;
      if (!answer) throw new Error('The voice call could not be joined.');
    } catch (error) {
      if (attempt !== this.attempt) return;
      // The API did not put us in this call: nothing to leave.
      this.set({ phase: 'disconnected', problem: describeError(error) });
      return;
    }
    if (attempt !== this.attempt) return;
    const { state } = answer;
    this.set({
      phase: 'connecting',
      guildId: state.guild?.id ?? null,
      selfMute: state.selfMute,
      selfDeaf: state.selfDeaf,
      serverMute: state.serverMute,
      serverDeaf: state.serverDeaf,
    });
    const connection = new VoiceConnection({
      endpoint: answer.endpoint,
      token: answer.token,
      userId: this.gochat.viewerId ?? state.user.id,
      // The node enforces SPEAK itself; without it nothing is sent, and no microphone is asked for.
      canSpeak: channel ? hasVoicePermission(channel.myPermissions, SPEAK) : true,
      bitrate: channel?.bitrate ?? 64_000,
      flags: this.flags(),
      events: {
        speaking: (speaking) => this.ifCurrent(attempt, () => this.set({ speaking })),
        serverMute: (serverMute) => this.ifCurrent(attempt, () => this.set({ serverMute })),
        serverDeafen: (serverDeaf) => this.ifCurrent(attempt, () => this.set({ serverDeaf })),
        kicked: (reason) => this.ifCurrent(attempt, () => this.ended(kickedBecause(reason))),
        moved: (target) => this.ifCurrent(attempt, () => void this.follow(target)),
        rejoin: (afterMs) => this.ifCurrent(attempt, () => this.rejoinAfter(afterMs)),
        lost: (error, rejoin) =>
          this.ifCurrent(attempt, () => {
            this.dropConnection();
            const retry = rejoin && (error.code !== 'MEDIA' || this.mediaRetries-- > 0);
            if (retry) this.rejoinAfter(Math.random() * 2_000);
            else this.set({ phase: 'failed', problem: describeVoiceError(error), speaking: NOBODY });
          }),
        microphone: (microphone) => this.ifCurrent(attempt, () => this.set({ microphone })),
      },
    });
    this.connection = connection;
    try {
      await connection.start();
    } catch (error) {
      if (attempt !== this.attempt) return;
      this.dropConnection();
      this.set({ phase: 'failed', problem: describeVoiceError(error), speaking: NOBODY });
      return;
    }
    if (attempt !== this.attempt) return;
    this.set({ phase: 'connected' });
  }

  /** Joins the same channel again (after a failure). */
  retry(): void {
    if (this.state.channelId) void this.join(this.state.channelId);
  }

  /** Leaves the call, here and in the API. */
  async leave(): Promise<void> {
    const wasInCall = this.inCall;
    this.restart();
    this.state = { ...IDLE, selfMute: this.state.selfMute, selfDeaf: this.state.selfDeaf };
    this.emit();
    if (!wasInCall) return;
    try {
      await this.gochat.apollo.mutate({ mutation: LeaveVoiceDocument });
    } catch (error) {
      // Out of the call here; the server drops the state once the voice server reports us gone.
      console.warn('voice: leaveVoice failed', error);
    }
  }

  /** Hides a call that ended (the panel's Dismiss). */
  dismiss(): void {
    if (this.state.phase !== 'disconnected') return;
    this.state = { ...IDLE, selfMute: this.state.selfMute, selfDeaf: this.state.selfDeaf };
    this.emit();
  }

  /** Mutes or unmutes the microphone (unmuting while deafened undeafens too, as in Discord). */
  toggleMute(): Promise<void> {
    const selfMute = !(this.state.selfMute || this.state.selfDeaf);
    return this.changeSelf({ selfMute, selfDeaf: selfMute ? this.state.selfDeaf : false });
  }

  /** Deafens (no sound in, and muted) or undeafens. */
  toggleDeafen(): Promise<void> {
    return this.changeSelf({ selfDeaf: !this.state.selfDeaf });
  }

  private async changeSelf(change: Partial<Pick<VoiceFlags, 'selfMute' | 'selfDeaf'>>): Promise<void> {
    const before = { selfMute: this.state.selfMute, selfDeaf: this.state.selfDeaf };
    this.set({ ...change, actionError: null });
    const after = { selfMute: this.state.selfMute, selfDeaf: this.state.selfDeaf };
    for (const listener of this.toggleListeners) listener(before, after);
    this.connection?.update(change);
    if (!this.inCall) return;
    this.updatesInFlight++;
    try {
      await this.gochat.apollo.mutate({ mutation: UpdateVoiceStateDocument, variables: change });
    } catch (error) {
      // Not recorded: the microphone and the icons go back to what the API says.
      this.set({ ...before, actionError: describeError(error) });
      this.connection?.update(before);
    } finally {
      this.updatesInFlight--;
    }
  }

  private onFeedEvent(event: VoiceFeedEvent): void {
    const { phase, channelId } = this.state;
    if (!this.inCall || !channelId) return;
    if (event.type === 'VoiceRoomMigrating') {
      if (event.data.channelId === channelId) this.rejoinAfter(Math.random() * event.data.rejoinWithinMs);
      return;
    }
    const { data } = event;
    if (data.userId !== this.gochat.viewerId) return;
    if (data.channelId === channelId && data.state) {
      const { serverMute, serverDeaf, selfMute, selfDeaf } = data.state;
      // Our own toggles echo back as `update`: while one is in flight the newest local choice stands.
      const self = data.reason === 'update' && this.updatesInFlight > 0 ? {} : { selfMute, selfDeaf };
      this.set({ serverMute, serverDeaf, ...self });
      this.connection?.update({ serverMute, serverDeaf, ...self });
      return;
    }
    if (data.channelId === null) {
      // The end of the call we are in (not of one we just left for this one).
      if (data.previousChannelId !== channelId || phase === 'joining') return;
      if (data.reason === 'nodeLost' && phase === 'connected') return this.rejoinAfter(Math.random() * 2_000);
      this.ended(endedBecause(data.reason));
      return;
    }
    if (data.reason === 'move') void this.follow(data.channelId);
  }

  /** A moderator moved us: join the new channel, once (the API and the node both say so). */
  private async follow(channelId: string): Promise<void> {
    if (this.state.channelId === channelId && this.state.phase !== 'failed') return;
    await this.connect(channelId);
  }

  private rejoinAfter(ms: number): void {
    if (this.rejoinTimer) return;
    const channelId = this.state.channelId;
    if (!channelId) return;
    this.dropConnection();
    this.set({ phase: 'connecting', speaking: NOBODY });
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = null;
      void this.connect(channelId);
    }, ms);
  }

  /** The call ended without us asking: show why; the API has already let us go. */
  private ended(problem: string): void {
    this.restart(false);
    this.set({ phase: 'disconnected', problem, speaking: NOBODY, serverMute: false, serverDeaf: false });
  }

  private reset(): void {
    this.restart(false);
    this.state = IDLE;
    this.emit();
  }

  /**
   * A new attempt: the connection and any planned rejoin of the last one go. `polite` says `leave` to
   * the node first (not when the node or the API already let us go).
   */
  private restart(polite = true): number {
    this.attempt++;
    if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    const connection = this.connection;
    this.connection = null;
    if (polite) void connection?.leave();
    else connection?.close();
    return this.attempt;
  }

  private dropConnection(): void {
    this.connection?.close();
    this.connection = null;
  }

  private ifCurrent(attempt: number, then: () => void): void {
    if (attempt === this.attempt) then();
  }

  private flags(): VoiceFlags {
    const { selfMute, selfDeaf, serverMute, serverDeaf } = this.state;
    return { selfMute, selfDeaf, serverMute, serverDeaf };
  }

  private channel(channelId: string): ChannelFieldsFragment | null {
    const { cache } = this.gochat.apollo;
    return cache.readFragment<ChannelFieldsFragment>({
      id: cache.identify({ __typename: 'Channel', id: channelId }),
      fragment: ChannelFieldsFragmentDoc,
      fragmentName: 'ChannelFields',
    });
  }

  private set(change: Partial<VoiceCallState>): void {
    this.state = { ...this.state, ...change };
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

const calls = new WeakMap<GoChat, VoiceCall>();

/** The app's one call. */
export function voiceCallOf(gochat: GoChat): VoiceCall {
  let call = calls.get(gochat);
  if (!call) calls.set(gochat, (call = new VoiceCall(gochat)));
  return call;
}
