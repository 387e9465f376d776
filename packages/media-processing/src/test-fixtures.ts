// Hand-made PNG files for the tests: a decompression bomb and an APNG, built chunk by chunk.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array = new Uint8Array()): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, colourType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.writeUInt8(8, 8); // bit depth
  data.writeUInt8(colourType, 9);
  // compression, filter and interlace methods: 0
  return pngChunk('IHDR', data);
}

/**
 * A greyscale PNG whose header says width×height but whose image data holds only the first few rows
 * (a few KB however large the claim): a reader that trusts the header before decoding refuses it
 * without allocating anything.
 */
export function bombPng(width: number, height: number, rows = 4): Buffer {
  const scanlines = Buffer.alloc(rows * (width + 1)); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, 0),
    pngChunk('IDAT', deflateSync(scanlines)),
    pngChunk('IEND'),
  ]);
}

/** An RGBA frame of one colour, as PNG scanlines (filter byte 0 per row). */
function solidScanlines(width: number, height: number, rgba: readonly number[]): Buffer {
  const row = Buffer.alloc(1 + width * 4);
  for (let x = 0; x < width; x++) row.set(rgba, 1 + x * 4);
  return Buffer.concat(Array.from({ length: height }, () => row));
}

function fcTL(sequence: number, width: number, height: number): Buffer {
  const data = Buffer.alloc(26);
  data.writeUInt32BE(sequence, 0);
  data.writeUInt32BE(width, 4);
  data.writeUInt32BE(height, 8);
  // x and y offsets: 0
  data.writeUInt16BE(1, 20); // delay 1/10 s
  data.writeUInt16BE(10, 22);
  // dispose and blend ops: 0
  return pngChunk('fcTL', data);
}

/**
 * An APNG of `colours.length` frames, each filled with one colour; `extra` chunks (eXIf, tEXt…) go
 * before the image data.
 */
export function apng(
  width: number,
  height: number,
  colours: readonly (readonly number[])[],
  extra: Buffer[] = [],
) {
  const acTL = Buffer.alloc(8);
  acTL.writeUInt32BE(colours.length, 0);
  // plays: 0 (forever)
  const parts = [PNG_SIGNATURE, ihdr(width, height, 6), pngChunk('acTL', acTL), ...extra];
  let sequence = 0;
  colours.forEach((colour, i) => {
    parts.push(fcTL(sequence++, width, height));
    const compressed = deflateSync(solidScanlines(width, height, colour));
    if (i === 0) {
      parts.push(pngChunk('IDAT', compressed));
    } else {
      const seq = Buffer.alloc(4);
      seq.writeUInt32BE(sequence++);
      parts.push(pngChunk('fdAT', Buffer.concat([seq, compressed])));
    }
  });
  parts.push(pngChunk('IEND'));
  return Buffer.concat(parts);
}

/** The chunk types of a PNG, in order. */
export function pngChunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset + 8 <= png.length;) {
    const length = png.readUInt32BE(offset);
    types.push(png.toString('latin1', offset + 4, offset + 8));
    offset += 12 + length;
  }
  return types;
}

/** Whether raw EXIF (as sharp's metadata returns it) holds a GPS IFD: the pointer tag 0x8825. */
export function exifHasGps(exif: Buffer): boolean {
  const littleEndian = exif.includes(Buffer.from('II*\0', 'latin1'));
  return exif.includes(Buffer.from(littleEndian ? [0x25, 0x88] : [0x88, 0x25]));
}

/** A ZIP archive of stored (uncompressed) entries. */
export function storedZip(entries: readonly { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A mono 16-bit PCM WAV of `samples` silent samples at 8 kHz. */
export function wav(samples = 800): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + samples * 2, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(samples * 2, 40);
  return Buffer.concat([header, Buffer.alloc(samples * 2)]);
}
