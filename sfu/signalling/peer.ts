import { randomUUID } from 'node:crypto';

import type { Logger } from '@gochat/log';
import { VoiceTokenError, type VerifiedVoiceToken, type VoiceRights } from '@gochat/voice-token';
import { WebSocket, type RawData } from 'ws';

import { SignalError, type SignalErrorCode } from '../protocol/errors.ts';
import { errorFrame, notificationFrame, responseFrame } from '../protocol/frames.ts';
import type { NotificationName, Notifications, SignalRequest } from '../protocol/messages.ts';
import { parseClientFrame, type ParsedFrame } from '../protocol/parse.ts';
import { PeerSession } from '../protocol/peer-session.ts';
import { SIGNAL_CLOSE } from './close-codes.ts';
import { MediaRequestError, type MediaRoom } from './media.ts';
import type { PeerReport, ResolvedOptions } from './options.ts';
import type { PeerEntry, RoomPeers } from './room-peers.ts';
import { TaskLane } from './task-lane.ts';

/** What the peers of one signalling server share. */
export interface SignalContext {
  options: ResolvedOptions;
  peers: RoomPeers;
  /** Peers whose socket is open or whose media is not released yet, by id (the engine's events name them). */
  byId: Map<string, SignalPeer>;
  /** Authenticated peers, joined or not, by channel: where the control surface finds a user. */
  byChannel: Map<string, Set<SignalPeer>>;
  report(report: PeerReport): void;
  /** Carries out a request the peer's session allowed (requests.ts). */
  perform(peer: SignalPeer, request: SignalRequest): Promise<unknown>;
}

/**
 * One signalling socket and what its peer holds. Its requests, and the node's orders about it, run
 * one at a time on its TaskLane. Closing, for whatever reason, happens in two steps: the peer leaves
 * the room's signalling at once (the others hear `peerLeft`, the control surface no longer finds it,
 * onPeer reports it gone), and the engine lets go of its media right after the task in flight, which
 * refuses to go on once it sees the peer is ending. Nothing a client sends can throw out of here.
 */
export class SignalPeer {
  readonly peerId = randomUUID();
  readonly session = new PeerSession();
  readonly lane = new TaskLane();
  grant: VerifiedVoiceToken | undefined;
  /** The token's rights, changed by the moderation orders since (a copy). */
  rights: VoiceRights | undefined;
  room: MediaRoom | undefined;
  /** Set while the peer is in its room. */
  entry: PeerEntry | undefined;
  deviceCapabilities: unknown;
  /** The peer's consumers, and whether its client resumed each (a deafen holds them paused anyway). */
  readonly consumers = new Map<string, { resumed: boolean }>();
  /** The cap the engine has for the send transport, bits per second. */
  sendCap = 0;
  private ending: Promise<void> | undefined;
  private released = false;
  private badFrames = 0;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    readonly ctx: SignalContext,
  ) {
    ctx.byId.set(this.peerId, this);
    this.authTimer = setTimeout(
      () => socket.close(SIGNAL_CLOSE.unauthenticated, 'not authenticated in time'),
      ctx.options.authTimeoutMs,
    );
    socket.on('message', (raw, isBinary) => void this.lane.run(() => this.handle(raw, isBinary)));
    socket.on('error', (error) => this.log.debug({ err: error }, 'sfu signalling: socket error'));
    socket.once('close', () => void this.end());
  }

  get log(): Logger {
    return this.ctx.options.log;
  }

  /** Closing or closed: it takes no more requests and holds nothing new. */
  get isEnding(): boolean {
    return this.ending !== undefined;
  }

  /** Throws CONFLICT when the peer was closed while a request was under way. */
  assertActive(): void {
    if (this.ending) throw new SignalError('CONFLICT', 'this peer has left the room');
  }

  send(frame: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  notify<N extends NotificationName>(name: N, data: Notifications[N]): void {
    this.send(notificationFrame(name, data));
  }

  authenticated(grant: VerifiedVoiceToken): void {
    clearTimeout(this.authTimer);
    this.grant = grant;
    this.rights = { ...grant.rights };
    this.session.authenticated();
    let peers = this.ctx.byChannel.get(grant.channelId);
    if (!peers) this.ctx.byChannel.set(grant.channelId, (peers = new Set()));
    peers.add(this);
  }

  joined(entry: PeerEntry): void {
    this.entry = entry;
    this.ctx.peers.add(this.grant!.channelId, entry);
    this.session.joined();
    this.ctx.report(this.reportOf(true));
  }

  /** The engine closed one of the peer's consumers (its producer closed). */
  consumerClosed(consumerId: string): void {
    this.session.consumerClosed(consumerId);
    this.consumers.delete(consumerId);
    this.notify('consumerClosed', { consumerId });
  }

  /**
   * Closes the peer from outside its requests: `notice` first, then the socket closes with `code`.
   * Settles once the engine has let go of the peer's media.
   */
  evict(notice: string | undefined, code: number, reason: string): Promise<void> {
    if (this.ending) return this.ending;
    if (notice !== undefined) this.send(notice);
    const ended = this.end();
    this.socket.close(code, reason);
    return ended;
  }

  /** `leave`, from the peer's own request (which holds the lane, so the media is released right here). */
  leaveNow(): void {
    this.detach();
    this.ending = Promise.resolve();
    this.release();
  }

  private end(): Promise<void> {
    if (!this.ending) {
      this.detach();
      this.ending = this.lane
        .runUrgent(() => this.release())
        .catch((error: unknown) => this.log.error({ err: error }, 'sfu signalling: releasing a peer failed'));
    }
    return this.ending;
  }

  /** Out of the room's signalling and out of reach of the control surface, at once. */
  private detach(): void {
    clearTimeout(this.authTimer);
    if (!this.grant) return;
    if (this.entry) {
      this.ctx.peers.remove(this.grant.channelId, this.peerId);
      this.entry = undefined;
      this.ctx.report(this.reportOf(false));
    }
    const peers = this.ctx.byChannel.get(this.grant.channelId);
    peers?.delete(this);
    if (peers?.size === 0) this.ctx.byChannel.delete(this.grant.channelId);
  }

  /** The engine closes what the peer held (run on the lane, after the request in flight). */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.ctx.byId.delete(this.peerId);
    this.session.left();
    this.consumers.clear();
    this.room?.closePeer(this.peerId);
  }

  private reportOf(connected: boolean): PeerReport {
    const { userId, channelId, guildId, tokenId } = this.grant!;
    return { userId, channelId, guildId, sessionId: tokenId, connected };
  }

  private async handle(raw: RawData, isBinary: boolean): Promise<void> {
    const parsed: ParsedFrame = isBinary
      ? { ok: false, error: new SignalError('BAD_REQUEST', 'frames are JSON text') }
      : parseClientFrame(Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer));
    if (!parsed.ok) {
      this.send(errorFrame(parsed.id, parsed.error.code, parsed.error.message));
      if (++this.badFrames >= this.ctx.options.maxBadFrames)
        this.socket.close(SIGNAL_CLOSE.badFrames, 'too many malformed frames');
      return;
    }
    const { request } = parsed;
    try {
      this.assertActive();
      this.session.check(request);
      this.send(responseFrame(request.id, await this.ctx.perform(this, request)));
      if (request.method === 'leave') this.socket.close(SIGNAL_CLOSE.left, 'left');
    } catch (error) {
      const { code, message } = classify(error, request, this.log);
      this.send(errorFrame(request.id, code, message));
      if (code === 'UNAUTHENTICATED') this.socket.close(SIGNAL_CLOSE.unauthenticated, 'voice token refused');
    }
  }
}

/** The response a failure deserves: the client's own mistakes by code; anything else masked and logged. */
function classify(
  error: unknown,
  request: SignalRequest,
  log: Logger,
): { code: SignalErrorCode; message: string } {
  if (error instanceof SignalError) return { code: error.code, message: error.message };
  if (error instanceof VoiceTokenError) return { code: 'UNAUTHENTICATED', message: error.message };
  if (error instanceof MediaRequestError) return { code: 'BAD_REQUEST', message: error.message };
  const requestId = randomUUID();
  log.error({ err: error, requestId, method: request.method }, 'sfu signalling: request failed');
  return { code: 'INTERNAL', message: `internal error (request ${requestId})` };
}
