/**
 * The SDP side of a mediasoup client, for the werift test client (werift-peer.ts). mediasoup hands
 * out parameters (a WebRtcTransport's ICE and DTLS parameters, a consumer's RTP parameters) and takes
 * parameters back (the client's DTLS fingerprint, a producer's RTP parameters); a WebRTC stack speaks
 * SDP. This module maps one to the other as mediasoup-client 3.24 does (its handlers/sdp/RemoteSdp,
 * RemoteMediaSection, commonUtils and unifiedPlanUtils, and ortc's send and receive parameters), for
 * what an audio client needs: Opus, the MID header extension, one SSRC per producer, BUNDLE, no data
 * channels, no simulcast. Pure: text and parameters in, text and parameters out.
 *
 * The shapes below are mediasoup's (node/src/WebRtcTransportTypes.ts, rtpParametersTypes.ts), kept
 * to the fields used here; the signalling protocol checks them loosely (sfu/protocol/media-shapes.ts).
 */

export type DtlsRole = 'auto' | 'client' | 'server';
export type ParameterValue = string | number;

export interface IceParameters {
  usernameFragment: string;
  password: string;
  iceLite?: boolean;
}

export interface IceCandidate {
  foundation: string;
  priority: number;
  address: string;
  /** Deprecated by mediasoup in favour of `address`; read when `address` is missing. */
  ip?: string;
  protocol: 'udp' | 'tcp';
  port: number;
  type: string;
  tcpType?: string;
}

export interface DtlsFingerprint {
  algorithm: string;
  value: string;
}

export interface DtlsParameters {
  role?: DtlsRole;
  fingerprints: DtlsFingerprint[];
}

/** What `createTransport` answers (a mediasoup WebRtcTransport's parameters). */
export interface TransportParameters {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}

export interface RtcpFeedback {
  type: string;
  parameter?: string;
}

export interface RtpCodecParameters {
  mimeType: string;
  payloadType: number;
  clockRate: number;
  channels?: number;
  parameters?: Record<string, ParameterValue>;
  rtcpFeedback?: RtcpFeedback[];
}

export interface RtpHeaderExtensionParameters {
  uri: string;
  id: number;
  encrypt?: boolean;
  parameters?: Record<string, ParameterValue>;
}

export interface RtpEncodingParameters {
  ssrc?: number;
  rtx?: { ssrc: number };
  dtx?: boolean;
}

export interface RtpParameters {
  mid?: string;
  codecs: RtpCodecParameters[];
  headerExtensions?: RtpHeaderExtensionParameters[];
  encodings?: RtpEncodingParameters[];
  rtcp?: { cname?: string; reducedSize?: boolean; mux?: boolean };
}

export interface RtpCodecCapability {
  kind: 'audio' | 'video';
  mimeType: string;
  preferredPayloadType?: number;
  clockRate: number;
  channels?: number;
  parameters?: Record<string, ParameterValue>;
  rtcpFeedback?: RtcpFeedback[];
}

export interface RtpHeaderExtensionCapability {
  kind: 'audio' | 'video';
  uri: string;
  preferredId: number;
  preferredEncrypt?: boolean;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export interface RtpCapabilities {
  codecs?: RtpCodecCapability[];
  headerExtensions?: RtpHeaderExtensionCapability[];
}

export const MID_EXTENSION = 'urn:ietf:params:rtp-hdrext:sdes:mid';

// ---------------------------------------------------------------------------------------------------
// Reading SDP: the subset of sdp-transform's grammar mediasoup-client reads from a local description.

export interface SdpCandidate {
  foundation: string;
  component: number;
  transport: string;
  priority: number;
  ip: string;
  port: number;
  type: string;
  tcptype?: string;
}

export interface SdpMedia {
  kind: string;
  port: number;
  protocol: string;
  payloads: number[];
  mid?: string;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  setup?: string;
  fingerprint?: DtlsFingerprint;
  iceUfrag?: string;
  icePwd?: string;
  iceLite: boolean;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
  rtp: Array<{ payload: number; codec: string; rate: number; encoding?: number }>;
  fmtp: Array<{ payload: number; config: string }>;
  rtcpFb: Array<{ payload: string; type: string; subtype?: string }>;
  ext: Array<{ value: number; uri: string }>;
  ssrcs: Array<{ id: number; attribute: string; value?: string }>;
  ssrcGroups: Array<{ semantics: string; ssrcs: number[] }>;
  msid?: string;
  rtcpMux: boolean;
  rtcpRsize: boolean;
  extmapAllowMixed: boolean;
}

export interface ParsedSdp {
  iceLite: boolean;
  setup?: string;
  fingerprint?: DtlsFingerprint;
  iceUfrag?: string;
  icePwd?: string;
  groups: Array<{ type: string; mids: string[] }>;
  extmapAllowMixed: boolean;
  media: SdpMedia[];
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Parses the lines of an SDP a WebRTC stack writes; unknown lines are skipped. */
export function parseSdp(sdp: string): ParsedSdp {
  const session: ParsedSdp = { iceLite: false, groups: [], extmapAllowMixed: false, media: [] };
  let media: SdpMedia | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const [kind = '', port = '0', protocol = '', ...payloads] = line.slice(2).split(' ');
      media = {
        kind,
        port: Number(port),
        protocol,
        payloads: payloads.map(Number),
        iceLite: session.iceLite,
        candidates: [],
        endOfCandidates: false,
        rtp: [],
        fmtp: [],
        rtcpFb: [],
        ext: [],
        ssrcs: [],
        ssrcGroups: [],
        rtcpMux: false,
        rtcpRsize: false,
        extmapAllowMixed: false,
      };
      session.media.push(media);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line.slice(2) : line.slice(2, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1);
    if (!media) readSessionAttribute(session, name, value);
    else readMediaAttribute(media, name, value);
  }
  return session;
}

function readSessionAttribute(session: ParsedSdp, name: string, value: string): void {
  switch (name) {
    case 'ice-lite':
      session.iceLite = true;
      break;
    case 'setup':
      session.setup = value;
      break;
    case 'fingerprint':
      session.fingerprint = parseFingerprint(value);
      break;
    case 'ice-ufrag':
      session.iceUfrag = value;
      break;
    case 'ice-pwd':
      session.icePwd = value;
      break;
    case 'group': {
      const [type = '', ...mids] = value.split(' ');
      session.groups.push({ type, mids });
      break;
    }
    case 'extmap-allow-mixed':
      session.extmapAllowMixed = true;
      break;
  }
}

function readMediaAttribute(media: SdpMedia, name: string, value: string): void {
  if (DIRECTIONS.has(name)) {
    media.direction = name as SdpMedia['direction'];
    return;
  }
  switch (name) {
    case 'mid':
      media.mid = value;
      break;
    case 'setup':
      media.setup = value;
      break;
    case 'fingerprint':
      media.fingerprint = parseFingerprint(value);
      break;
    case 'ice-ufrag':
      media.iceUfrag = value;
      break;
    case 'ice-pwd':
      media.icePwd = value;
      break;
    case 'ice-lite':
      media.iceLite = true;
      break;
    case 'candidate':
      media.candidates.push(parseCandidate(value));
      break;
    case 'end-of-candidates':
      media.endOfCandidates = true;
      break;
    case 'rtpmap': {
      const [payload = '', description = ''] = value.split(' ');
      const [codec = '', rate = '0', encoding] = description.split('/');
      media.rtp.push({
        payload: Number(payload),
        codec,
        rate: Number(rate),
        ...(encoding === undefined ? {} : { encoding: Number(encoding) }),
      });
      break;
    }
    case 'fmtp': {
      const space = value.indexOf(' ');
      media.fmtp.push({ payload: Number(value.slice(0, space)), config: value.slice(space + 1) });
      break;
    }
    case 'rtcp-fb': {
      const [payload = '', type = '', subtype] = value.split(' ');
      media.rtcpFb.push({ payload, type, ...(subtype === undefined ? {} : { subtype }) });
      break;
    }
    case 'extmap': {
      const [id = '', uri = ''] = value.split(' ');
      // "1/sendonly": the direction is not used here.
      media.ext.push({ value: Number(id.split('/')[0]), uri });
      break;
    }
    case 'ssrc': {
      const space = value.indexOf(' ');
      const id = Number(space === -1 ? value : value.slice(0, space));
      const rest = space === -1 ? '' : value.slice(space + 1);
      const colon = rest.indexOf(':');
      media.ssrcs.push(
        colon === -1
          ? { id, attribute: rest }
          : { id, attribute: rest.slice(0, colon), value: rest.slice(colon + 1) },
      );
      break;
    }
    case 'ssrc-group': {
      const [semantics = '', ...ssrcs] = value.split(' ');
      media.ssrcGroups.push({ semantics, ssrcs: ssrcs.map(Number) });
      break;
    }
    case 'msid':
      media.msid = value;
      break;
    case 'rtcp-mux':
      media.rtcpMux = true;
      break;
    case 'rtcp-rsize':
      media.rtcpRsize = true;
      break;
    case 'extmap-allow-mixed':
      media.extmapAllowMixed = true;
      break;
  }
}

function parseFingerprint(value: string): DtlsFingerprint {
  const [algorithm = '', fingerprint = ''] = value.split(' ');
  return { algorithm, value: fingerprint };
}

function parseCandidate(value: string): SdpCandidate {
  const parts = value.split(' ');
  const candidate: SdpCandidate = {
    foundation: parts[0] ?? '',
    component: Number(parts[1]),
    transport: (parts[2] ?? '').toLowerCase(),
    priority: Number(parts[3]),
    ip: parts[4] ?? '',
    port: Number(parts[5]),
    type: parts[7] ?? '',
  };
  const tcptype = parts.indexOf('tcptype');
  if (tcptype !== -1 && parts[tcptype + 1]) candidate.tcptype = parts[tcptype + 1];
  return candidate;
}

/** `a=fmtp` parameters as sdp-transform's parseParams reads them: integers become numbers. */
export function parseParams(config: string): Record<string, ParameterValue> {
  const params: Record<string, ParameterValue> = {};
  for (const expression of config.split(/;\s?/)) {
    const equals = expression.indexOf('=');
    if (equals === -1) continue;
    const value = expression.slice(equals + 1);
    params[expression.slice(0, equals)] = String(Number(value)) === value ? Number(value) : value;
  }
  return params;
}

// ---------------------------------------------------------------------------------------------------
// From the local description to mediasoup's parameters.

/**
 * The client's DTLS parameters for `connectTransport`, from its local description (commonUtils'
 * extractDtlsParameters), with the role the client takes: mediasoup-client calls connect with
 * `client` unless mediasoup asked otherwise, and mediasoup then acts as the DTLS server.
 */
export function extractDtlsParameters(sdp: ParsedSdp, role: 'client' | 'server'): DtlsParameters {
  const active = sdp.media.find((m) => m.port !== 0);
  const setup = sdp.setup ?? active?.setup;
  const fingerprint = sdp.fingerprint ?? active?.fingerprint;
  if (!setup) throw new Error('no a=setup found at SDP session or media level');
  if (!fingerprint) throw new Error('no a=fingerprint found at SDP session or media level');
  return { role, fingerprints: [{ algorithm: fingerprint.algorithm, value: fingerprint.value }] };
}

/** The codecs the werift client sends and receives: Opus only (it never decodes: it counts packets). */
export const CLIENT_AUDIO_CODEC = {
  kind: 'audio',
  mimeType: 'audio/opus',
  clockRate: 48_000,
  channels: 2,
} as const;
/** The header extensions the werift client writes and reads. */
export const CLIENT_HEADER_EXTENSIONS = [MID_EXTENSION];

const sameCodec = (
  a: { mimeType: string; clockRate: number; channels?: number },
  b: { mimeType: string; clockRate: number; channels?: number },
) =>
  a.mimeType.toLowerCase() === b.mimeType.toLowerCase() &&
  a.clockRate === b.clockRate &&
  (a.channels ?? 1) === (b.channels ?? 1);

/**
 * The device's capabilities for `join` (what mediasoup-client's device.rtpCapabilities holds after
 * device.load: ortc's getRecvRtpCapabilities of the router's and the device's own): the router's
 * Opus with the router's payload type, and the router's ids of the header extensions the client
 * reads. mediasoup matches codecs strictly on MIME type, clock rate and channels when it consumes.
 */
export function deviceRtpCapabilities(router: RtpCapabilities): RtpCapabilities {
  const opus = router.codecs?.find((codec) => codec.kind === 'audio' && sameCodec(codec, CLIENT_AUDIO_CODEC));
  if (!opus) throw new Error('the router offers no Opus');
  return {
    codecs: [
      {
        kind: 'audio',
        mimeType: CLIENT_AUDIO_CODEC.mimeType,
        preferredPayloadType: opus.preferredPayloadType!,
        clockRate: opus.clockRate,
        channels: opus.channels!,
        parameters: {},
        rtcpFeedback: [],
      },
    ],
    headerExtensions: (router.headerExtensions ?? [])
      .filter(
        (ext) =>
          ext.kind === 'audio' &&
          CLIENT_HEADER_EXTENSIONS.includes(ext.uri) &&
          (ext.direction === undefined || ext.direction === 'sendrecv' || ext.direction === 'sendonly'),
      )
      .map((ext) => ({
        kind: 'audio' as const,
        uri: ext.uri,
        preferredId: ext.preferredId,
        preferredEncrypt: false,
        direction: 'sendrecv' as const,
      })),
  };
}

function mediaByMid(sdp: ParsedSdp, mid: string): SdpMedia {
  const media = sdp.media.find((m) => m.mid === mid);
  if (!media) throw new Error(`no m= section with mid ${mid}`);
  return media;
}

/** RTCP feedback both sides know (ortc's reduceRtcpFeedback), each as the other side wrote it. */
function reduceRtcpFeedback(ours: RtcpFeedback[], theirs: RtcpFeedback[] | undefined): RtcpFeedback[] {
  const reduced: RtcpFeedback[] = [];
  for (const fb of ours) {
    const match = (theirs ?? []).find(
      (other) =>
        other.type === fb.type && (other.parameter === fb.parameter || (!other.parameter && !fb.parameter)),
    );
    if (match) reduced.push(match);
  }
  return reduced;
}

function localCodecs(media: SdpMedia): Array<RtpCodecParameters & { rtcpFeedback: RtcpFeedback[] }> {
  return media.rtp.map((rtp) => {
    const fmtp = media.fmtp.find((f) => f.payload === rtp.payload);
    return {
      mimeType: `${media.kind}/${rtp.codec}`,
      payloadType: rtp.payload,
      clockRate: rtp.rate,
      ...(rtp.encoding === undefined ? {} : { channels: rtp.encoding }),
      parameters: fmtp ? parseParams(fmtp.config) : {},
      rtcpFeedback: media.rtcpFb
        .filter((fb) => fb.payload === '*' || Number(fb.payload) === rtp.payload)
        .map((fb) => ({ type: fb.type, parameter: fb.subtype ?? '' })),
    };
  });
}

/** The router's capability for each of the offer's codecs it can take, in the offer's order. */
function matchedCodecs(media: SdpMedia, router: RtpCapabilities) {
  const matched: Array<{ local: ReturnType<typeof localCodecs>[number]; remote: RtpCodecCapability }> = [];
  for (const local of localCodecs(media)) {
    const remote = router.codecs?.find((codec) => codec.kind === media.kind && sameCodec(codec, local));
    if (remote) matched.push({ local, remote });
  }
  if (matched.length === 0) throw new Error(`the router takes none of the codecs of m= section ${media.mid}`);
  return matched;
}

/** The offer's header extensions the router receives (ortc: sendrecv, or recvonly from its side). */
function sendableExtensions(media: SdpMedia, router: RtpCapabilities): RtpHeaderExtensionParameters[] {
  return media.ext
    .filter((ext) =>
      (router.headerExtensions ?? []).some(
        (cap) =>
          cap.kind === media.kind &&
          cap.uri === ext.uri &&
          (cap.direction === undefined || cap.direction === 'sendrecv' || cap.direction === 'recvonly'),
      ),
    )
    .map((ext) => ({ uri: ext.uri, id: ext.value, encrypt: false, parameters: {} }));
}

/**
 * The RTP parameters of a producer for `produce`, from the client's local offer and the router's
 * capabilities (Chrome111.send: ortc's getSendingRtpParameters, then the MID, the CNAME of the
 * section's a=ssrc lines and the encodings of unifiedPlanUtils' getRtpEncodings).
 */
export function sendingRtpParameters(offer: ParsedSdp, mid: string, router: RtpCapabilities): RtpParameters {
  const media = mediaByMid(offer, mid);
  return {
    mid,
    codecs: matchedCodecs(media, router).map(({ local, remote }) => ({
      ...local,
      rtcpFeedback: reduceRtcpFeedback(local.rtcpFeedback, remote.rtcpFeedback),
    })),
    headerExtensions: sendableExtensions(media, router),
    encodings: rtpEncodings(media, media.rtp.length),
    rtcp: { cname: media.ssrcs.find((line) => line.attribute === 'cname')?.value ?? '', reducedSize: true },
  };
}

/**
 * unifiedPlanUtils' getRtpEncodings: one encoding per SSRC, with its RTX SSRC from a FID group when
 * there is more than one codec (an RTX codec besides the media codec).
 */
function rtpEncodings(media: SdpMedia, codecCount: number): RtpEncodingParameters[] {
  const ssrcs = new Set(media.ssrcs.map((line) => line.id).filter((id) => id > 0));
  if (ssrcs.size === 0) throw new Error('no a=ssrc lines found');
  const rtxOf = new Map<number, number | undefined>();
  for (const group of media.ssrcGroups) {
    if (group.semantics !== 'FID') continue;
    const [ssrc, rtx] = group.ssrcs;
    if (ssrc !== undefined && ssrcs.has(ssrc)) {
      ssrcs.delete(ssrc);
      if (rtx !== undefined) ssrcs.delete(rtx);
      rtxOf.set(ssrc, rtx);
    }
  }
  for (const ssrc of ssrcs) rtxOf.set(ssrc, undefined);
  return [...rtxOf].map(([ssrc, rtx]) =>
    rtx === undefined || codecCount < 2 ? { ssrc } : { ssrc, rtx: { ssrc: rtx } },
  );
}

// ---------------------------------------------------------------------------------------------------
// From mediasoup's parameters to the remote description.

/** One section the remote side (mediasoup) sends to the client: a consumer. */
export interface ReceivingSection {
  mid: string;
  kind: 'audio' | 'video';
  rtpParameters: RtpParameters;
  streamId: string;
  trackId: string;
}

const SETUP_OF_ROLE: Record<DtlsRole, string> = { client: 'active', server: 'passive', auto: 'actpass' };

function sessionLines(transport: TransportParameters, mids: string[], version: number, mixed: boolean) {
  const fingerprints = transport.dtlsParameters.fingerprints;
  // mediasoup-client takes the last fingerprint mediasoup lists (the strongest hash).
  const fingerprint = fingerprints[fingerprints.length - 1];
  if (!fingerprint) throw new Error('the transport has no DTLS fingerprint');
  return [
    'v=0',
    `o=gochat-werift 10000 ${version} IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    ...(transport.iceParameters.iceLite ? ['a=ice-lite'] : []),
    `a=fingerprint:${fingerprint.algorithm} ${fingerprint.value}`,
    'a=msid-semantic: WMS *',
    `a=group:BUNDLE ${mids.join(' ')}`,
    ...(mixed ? ['a=extmap-allow-mixed'] : []),
    'a=ice-options:ice2',
  ];
}

/** The ICE lines of every section: mediasoup's credentials and candidates (component 1: rtcp-mux). */
function transportLines(transport: TransportParameters): string[] {
  return [
    `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
    `a=ice-pwd:${transport.iceParameters.password}`,
    ...transport.iceCandidates.map(
      (c) =>
        `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.address ?? c.ip} ${c.port} typ ${c.type}` +
        (c.tcpType ? ` tcptype ${c.tcpType}` : ''),
    ),
    'a=end-of-candidates',
    'a=ice-options:renomination',
  ];
}

function codecLines(codecs: RtpCodecParameters[], kind: string): string[] {
  const lines: string[] = [];
  for (const codec of codecs) {
    const name = codec.mimeType.slice(kind.length + 1);
    lines.push(
      `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}` +
        ((codec.channels ?? 1) > 1 ? `/${codec.channels}` : ''),
    );
    const params = Object.entries(codec.parameters ?? {});
    if (params.length > 0)
      lines.push(`a=fmtp:${codec.payloadType} ${params.map(([key, value]) => `${key}=${value}`).join(';')}`);
    for (const fb of codec.rtcpFeedback ?? [])
      lines.push(`a=rtcp-fb:${codec.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
  }
  return lines;
}

const TRANSPORT_CC_EXTENSION = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const ABS_SEND_TIME_EXTENSION = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

/**
 * The bandwidth feedback the answer keeps (ortc's getSendingRemoteRtpParameters): transport-cc when
 * its header extension is negotiated, else REMB when abs-send-time is, else neither.
 */
function feedbackForBwe(
  feedback: RtcpFeedback[],
  extensions: RtpHeaderExtensionParameters[],
): RtcpFeedback[] {
  const has = (uri: string) => extensions.some((ext) => ext.uri === uri);
  if (has(TRANSPORT_CC_EXTENSION)) return feedback.filter((fb) => fb.type !== 'goog-remb');
  if (has(ABS_SEND_TIME_EXTENSION)) return feedback.filter((fb) => fb.type !== 'transport-cc');
  return feedback.filter((fb) => fb.type !== 'transport-cc' && fb.type !== 'goog-remb');
}

/**
 * The remote answer of a send transport (RemoteSdp.send with RemoteAnswerMediaSection): for each
 * section the client offers to send, mediasoup receives (`recvonly`) the codecs the router takes, at
 * the offer's payload types with the router's codec parameters, and the offer's header extensions
 * it knows. mediasoup is the DTLS server once the client connected as `client` (`a=setup:passive`).
 */
export function sendAnswerSdp(input: {
  transport: TransportParameters;
  offer: ParsedSdp;
  /** The offer's sections mediasoup receives, by MID, in the offer's order. */
  mids: string[];
  router: RtpCapabilities;
  /** The client's DTLS role once connected; mediasoup takes the other. */
  localRole: 'client' | 'server';
  version?: number;
}): string {
  const { transport, offer, mids, router } = input;
  const mixed = offer.extmapAllowMixed;
  const lines = sessionLines(transport, mids, input.version ?? 1, mixed);
  for (const mid of mids) {
    const media = mediaByMid(offer, mid);
    const extensions = sendableExtensions(media, router);
    const codecs = matchedCodecs(media, router).map(({ local, remote }) => ({
      mimeType: local.mimeType,
      payloadType: local.payloadType,
      clockRate: local.clockRate,
      channels: local.channels,
      parameters: remote.parameters ?? {},
      rtcpFeedback: feedbackForBwe(reduceRtcpFeedback(local.rtcpFeedback, remote.rtcpFeedback), extensions),
    }));
    lines.push(
      `m=${media.kind} 7 ${media.protocol} ${codecs.map((c) => c.payloadType).join(' ')}`,
      'c=IN IP4 127.0.0.1',
      ...codecLines(codecs, media.kind),
      ...extensions.map((ext) => `a=extmap:${ext.id} ${ext.uri}`),
      `a=setup:${SETUP_OF_ROLE[input.localRole === 'client' ? 'server' : 'client']}`,
      `a=mid:${mid}`,
      'a=recvonly',
      ...transportLines(transport),
      'a=rtcp-mux',
      'a=rtcp-rsize',
      ...(media.extmapAllowMixed ? ['a=extmap-allow-mixed'] : []),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * The remote offer of a receive transport (RemoteSdp.receive with RemoteOfferMediaSection): one
 * `sendonly` section per consumer, with the consumer's codecs, header extensions, SSRC (and RTX SSRC)
 * and CNAME as mediasoup gave them. The offer says `a=setup:actpass`; the client's answer picks
 * `active`, the role it connects with.
 */
export function recvOfferSdp(input: {
  transport: TransportParameters;
  sections: ReceivingSection[];
  version?: number;
}): string {
  const { transport, sections } = input;
  const lines = sessionLines(
    transport,
    sections.map((s) => s.mid),
    input.version ?? 1,
    true,
  );
  for (const { mid, kind, rtpParameters, streamId, trackId } of sections) {
    const { codecs, encodings = [], rtcp = {} } = rtpParameters;
    const encoding = encodings[0];
    lines.push(
      `m=${kind} 7 UDP/TLS/RTP/SAVPF ${codecs.map((c) => c.payloadType).join(' ')}`,
      'c=IN IP4 127.0.0.1',
      ...codecLines(codecs, kind),
      ...(rtpParameters.headerExtensions ?? []).map((ext) => `a=extmap:${ext.id} ${ext.uri}`),
      'a=setup:actpass',
      `a=mid:${mid}`,
      `a=msid:${streamId} ${trackId}`,
      'a=sendonly',
      ...transportLines(transport),
    );
    if (encoding?.ssrc !== undefined && rtcp.cname) lines.push(`a=ssrc:${encoding.ssrc} cname:${rtcp.cname}`);
    if (encoding?.rtx) {
      if (rtcp.cname) lines.push(`a=ssrc:${encoding.rtx.ssrc} cname:${rtcp.cname}`);
      if (encoding.ssrc !== undefined) lines.push(`a=ssrc-group:FID ${encoding.ssrc} ${encoding.rtx.ssrc}`);
    }
    lines.push('a=rtcp-mux', 'a=rtcp-rsize', 'a=extmap-allow-mixed');
  }
  return lines.join('\r\n') + '\r\n';
}
