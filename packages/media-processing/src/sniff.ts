import { open } from 'node:fs/promises';

import { validation } from '@gochat/errors';
import { fileTypeFromFile } from 'file-type/node';
import mime from 'mime-types';

import {
  extensionOf,
  extensionsOf,
  formatOf,
  isRecognisableType,
  isUnknownType,
  names,
  normaliseType,
  topLevel,
} from './content-types.ts';

export type MediaKind = 'image' | 'video' | 'audio' | 'other';

export interface Sniffed {
  /** The type to store and serve the file as (never one the browser would run as a page or script). */
  contentType: string;
  kind: MediaKind;
  /** `attachment` for anything a browser could execute or render as a document. */
  disposition: 'inline' | 'attachment';
}

/** Images the pipeline decodes (sharp reads and writes them); other image formats are plain files. */
const IMAGE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/apng',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
]);

/** Types a browser renders as a page or runs as a script. */
const DOCUMENT_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'application/xml',
  'text/xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/ecmascript',
]);
const DOCUMENT_EXTENSIONS = new Set([
  'html',
  'htm',
  'shtml',
  'xhtml',
  'xht',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'js',
  'mjs',
  'cjs',
]);

/** Text kept as its own type (with a charset); other text is served as text/plain. */
const KEPT_TEXT_TYPES = new Map([
  ['text/csv', 'text/csv'],
  ['text/markdown', 'text/markdown'],
  ['text/x-markdown', 'text/markdown'],
]);

/**
 * Declared types that operating systems attach to unrelated files: `.ts` is MPEG transport stream
 * to Windows and macOS, so a TypeScript source arrives as video/mp2t. Without matching bytes they
 * mean nothing.
 */
const UNRELIABLE_TYPES = new Set(['video/mp2t']);

/** How much of an unrecognised file is checked for being UTF-8 text. */
const TEXT_PROBE_BYTES = 64 * 1024;

/**
 * Works out what a file is from its bytes and decides how to serve it. The declared content type and
 * the file name's extension must agree with the bytes (VALIDATION, fields `contentType` and
 * `filename`); the file is read only as far as needed (file-type's header, 64 KiB of text).
 */
export async function sniff(
  file: string,
  declared: { contentType: string; filename: string },
): Promise<Sniffed> {
  const declaredType = normaliseType(declared.contentType);
  const extension = extensionOf(declared.filename);
  const detected = await fileTypeFromFile(file);
  return detected
    ? fromBytes(normaliseType(detected.mime), declaredType, extension)
    : await unrecognised(file, declaredType, extension);
}

function fromBytes(detectedType: string, declaredType: string, extension: string): Sniffed {
  const format = formatOf(detectedType);
  const unknown = isUnknownType(declaredType);
  const named = !unknown && names(format, declaredType);
  // A .doc is an OLE compound file and a .docx, .apk or .ipa a ZIP: a container's bytes say nothing
  // against an application type that has no signature of its own.
  const contained =
    !unknown &&
    !named &&
    format.container === true &&
    topLevel(declaredType) === 'application' &&
    !isRecognisableType(declaredType);
  if (!unknown && !named && !contained) {
    throw validation(`The file's bytes are ${format.serve}, not ${declaredType}.`, 'contentType');
  }

  const top = named ? topLevel(declaredType) : topLevel(detectedType);
  const contentType =
    (format.serveAs as Record<string, string | undefined> | undefined)?.[top] ?? format.serve;

  if (extension) {
    const allowed = extensionsOf(format);
    if (contained) for (const e of mime.extensions[declaredType] ?? []) allowed.add(e);
    if (!allowed.has(extension) && !(format.container === true && containerMayBeNamed(extension))) {
      throw validation(`A ${contentType} file cannot be named .${extension}.`, 'filename');
    }
  }

  const kind = kindOf(contentType);
  const document = DOCUMENT_TYPES.has(contentType) || DOCUMENT_TYPES.has(declaredType);
  return {
    contentType,
    kind,
    disposition: !document && inlineKind(kind, contentType) ? 'inline' : 'attachment',
  };
}

/** An extension that names no recognisable format, or an application format (.ipa, .docx, .kmz). */
function containerMayBeNamed(extension: string): boolean {
  const type = mime.lookup(extension);
  if (type === false) return true;
  return topLevel(type) === 'application' && !isRecognisableType(type);
}

async function unrecognised(file: string, declaredType: string, extension: string): Promise<Sniffed> {
  const top = topLevel(declaredType);
  // SVG is XML text, recognised only when it starts with an XML declaration. It can carry script, so
  // it is never an image here: it is served for download.
  if (declaredType === 'image/svg+xml') {
    if (!(await isUtf8Text(file)))
      throw validation(`The file's bytes are not ${declaredType}.`, 'contentType');
    return { contentType: declaredType, kind: 'other', disposition: 'attachment' };
  }
  // Every image, audio and video format a client can declare has a signature: without one, the bytes lie.
  if ((top === 'image' || top === 'audio' || top === 'video') && !UNRELIABLE_TYPES.has(declaredType)) {
    throw validation(`The file's bytes are not ${declaredType}.`, 'contentType');
  }
  if (top === 'text') {
    if (!(await isUtf8Text(file))) {
      throw validation(`The file is declared ${declaredType} but is not UTF-8 text.`, 'contentType');
    }
    const kept = KEPT_TEXT_TYPES.get(declaredType);
    const contentType = `${kept ?? 'text/plain'}; charset=utf-8`;
    const plain = kept === undefined;
    const document = DOCUMENT_TYPES.has(declaredType) || DOCUMENT_EXTENSIONS.has(extension);
    return { contentType, kind: 'other', disposition: plain && !document ? 'inline' : 'attachment' };
  }
  return { contentType: 'application/octet-stream', kind: 'other', disposition: 'attachment' };
}

function kindOf(contentType: string): MediaKind {
  if (IMAGE_TYPES.has(contentType)) return 'image';
  const top = topLevel(contentType);
  if (top === 'video') return 'video';
  if (top === 'audio' && contentType !== 'audio/midi') return 'audio';
  return 'other';
}

/** Media plays inline; of other files only PDF (rendered in the browser's sandboxed viewer). */
function inlineKind(kind: MediaKind, contentType: string): boolean {
  return kind !== 'other' || contentType === 'application/pdf';
}

/** Whether the first 64 KiB are valid UTF-8 without NUL (a sequence cut by the 64 KiB boundary is fine). */
async function isUtf8Text(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(TEXT_PROBE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    const more = length > TEXT_PROBE_BYTES;
    const head = buffer.subarray(0, Math.min(length, TEXT_PROBE_BYTES));
    if (head.includes(0)) return false;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: more });
      return true;
    } catch {
      return false;
    }
  } finally {
    await handle.close();
  }
}
