/**
 * One WebSocket text message as it goes on the wire from a server (RFC 6455 §5.2: FIN, opcode 1,
 * no mask, 7-, 16- or 64-bit length). A feed's frame is built once per event and selection and
 * written as-is to every subscriber's socket, so a delivery is one `write` of shared bytes instead
 * of `ws` framing the same message again per socket (decision 0055).
 */
export function textFrame(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  let offset = header;
  for (const part of parts) offset += part.copy(frame, offset);
  return frame;
}
