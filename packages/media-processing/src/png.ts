import { open, type FileHandle } from 'node:fs/promises';

import { validation } from '@gochat/errors';

// PNG files are walked chunk header by chunk header: never the whole file in memory.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunks that carry metadata: EXIF, and text (XMP is an iTXt; "Raw profile type exif/iptc" a tEXt/zTXt). */
const METADATA_CHUNKS = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt']);
const COPY_SLICE = 64 * 1024;
/** An empty IEND chunk: length 0, type, CRC. */
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer | null> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) return null;
    read += bytesRead;
  }
  return buffer;
}

interface ChunkHeader {
  type: string;
  /** Length of the chunk's data. */
  length: number;
  /** Offset of the chunk (its length field). */
  offset: number;
}

async function* chunks(handle: FileHandle): AsyncGenerator<ChunkHeader> {
  const signature = await readExactly(handle, 8, 0);
  if (!signature?.equals(SIGNATURE)) return;
  let offset = 8;
  for (;;) {
    const header = await readExactly(handle, 8, offset);
    if (!header) return;
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    yield { type, length, offset };
    if (type === 'IEND') return;
    offset += 12 + length;
  }
}

/** The number of frames an APNG declares (its acTL chunk, which precedes the image data), else null. */
export async function pngAnimationFrames(file: string): Promise<number | null> {
  const handle = await open(file, 'r');
  try {
    for await (const chunk of chunks(handle)) {
      if (chunk.type === 'acTL') {
        const data = await readExactly(handle, 4, chunk.offset + 8);
        return data ? data.readUInt32BE(0) : null;
      }
      if (chunk.type === 'IDAT') return null;
    }
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Copies a PNG chunk by chunk, leaving out EXIF and text chunks. Every other chunk (the image data,
 * colour profile, and an APNG's animation chunks) is kept byte for byte, so the copy is lossless and
 * stays animated. Bytes after the end chunk are dropped; a missing end chunk (decoders do without it) is
 * added; a file that ends inside a chunk is refused (VALIDATION, field `file`).
 */
export async function copyPngWithoutMetadata(file: string, out: string): Promise<void> {
  const input = await open(file, 'r');
  try {
    const output = await open(out, 'w');
    try {
      await output.write(SIGNATURE);
      let sawEnd = false;
      for await (const chunk of chunks(input)) {
        if (METADATA_CHUNKS.has(chunk.type)) continue;
        const total = 12 + chunk.length;
        for (let done = 0; done < total;) {
          const slice = await readExactly(input, Math.min(COPY_SLICE, total - done), chunk.offset + done);
          if (!slice) throw validation('The image is truncated.', 'file');
          await output.write(slice);
          done += slice.length;
        }
        if (chunk.type === 'IEND') sawEnd = true;
      }
      if (!sawEnd) await output.write(IEND);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
