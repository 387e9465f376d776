import { z } from 'zod';

import { PROTOCOL_LIMITS as L } from './limits.ts';

/**
 * The shapes of mediasoup's own parameters as they cross the wire. They are checked for type and
 * size here; mediasoup checks their meaning (a codec the router has, a valid fingerprint) and its
 * refusals become BAD_REQUEST. Nested objects are loose: mediasoup-client adds fields between
 * versions, and the frame size already bounds them.
 */
const mimeType = z.string().regex(/^(audio|video)\/[A-Za-z0-9.+-]{1,32}$/);
const shortString = z.string().max(256);
const parameterValue = z.union([z.string().max(1024), z.number(), z.boolean()]);
const codecParameters = z.record(z.string().max(64), parameterValue);
const rtcpFeedback = z.array(z.looseObject({ type: shortString, parameter: shortString.optional() })).max(16);

const codecCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType,
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: rtcpFeedback.optional(),
});

const headerExtension = z.looseObject({
  uri: z.string().max(512),
  id: z.number().int().min(1).max(255).optional(),
  preferredId: z.number().int().min(1).max(255).optional(),
});

export const rtpCapabilities = z.looseObject({
  codecs: z.array(codecCapability).max(L.codecs),
  headerExtensions: z.array(headerExtension).max(L.headerExtensions).optional(),
});

const codecParameter = z.looseObject({
  mimeType,
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: rtcpFeedback.optional(),
});

const encoding = z.looseObject({
  ssrc: z.number().int().min(0).max(0xffffffff).optional(),
  rid: z.string().max(32).optional(),
  maxBitrate: z.number().int().positive().optional(),
  scalabilityMode: z.string().max(16).optional(),
  dtx: z.boolean().optional(),
});

export const rtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(codecParameter).min(1).max(L.codecs),
  headerExtensions: z.array(headerExtension).max(L.headerExtensions).optional(),
  encodings: z.array(encoding).max(L.encodings).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional() }).optional(),
});

export const dtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.looseObject({ algorithm: z.string().max(32), value: z.string().max(256) }))
    .min(1)
    .max(L.fingerprints),
});
