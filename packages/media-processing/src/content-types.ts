import mime from 'mime-types';

/**
 * One file format that file-type can recognise from its bytes, with the content types a client may
 * declare for it. Clients name the same format many ways: browsers take the type from the operating
 * system's table for the extension (Windows says application/x-zip-compressed, Linux says
 * application/x-sharedlib), so a declared type counts as "the same" when it is any of these.
 */
export interface Format {
  /** The content type the file is served as. */
  serve: string;
  /**
   * The content type to serve for a container that holds audio or video alike (WebM, MP4, Ogg,
   * Matroska), chosen by the top-level type the client declared: an audio-only WebM is audio/webm.
   */
  serveAs?: Partial<Record<'audio' | 'video' | 'image', string>>;
  /** Types file-type reports for this format (lower case, without parameters). */
  detected: readonly string[];
  /** Further types that a client may declare for it. */
  aliases?: readonly string[];
  /** Extensions the format goes by beyond those mime-types lists for the types above. */
  extensions?: readonly string[];
  /**
   * A generic container (ZIP, the OLE compound file of .doc/.xls/.msi, …) that many application
   * formats are stored in: any application/* type that is not itself a recognisable format may be
   * declared for it, and any extension that is not a recognisable format's.
   */
  container?: boolean;
  /** An XML document: any declared `…+xml` type is accepted for it. */
  xml?: boolean;
}

const FORMATS: readonly Format[] = [
  // Images
  {
    serve: 'image/jpeg',
    detected: ['image/jpeg'],
    aliases: ['image/jpg', 'image/pjpeg', 'image/jpe'],
    extensions: ['jfif', 'pjpeg', 'pjp'],
  },
  // APNG is a PNG with extra chunks: it is named .png and declared image/png.
  { serve: 'image/png', detected: ['image/png'], aliases: ['image/x-png', 'image/apng'] },
  { serve: 'image/apng', detected: ['image/apng'], aliases: ['image/png', 'image/vnd.mozilla.apng'] },
  { serve: 'image/gif', detected: ['image/gif'] },
  { serve: 'image/webp', detected: ['image/webp'] },
  { serve: 'image/avif', detected: ['image/avif'] },
  { serve: 'image/tiff', detected: ['image/tiff'], aliases: ['image/tif', 'image/x-tiff'] },
  { serve: 'image/bmp', detected: ['image/bmp'], aliases: ['image/x-bmp', 'image/x-ms-bmp'] },
  {
    serve: 'image/x-icon',
    detected: ['image/x-icon'],
    aliases: ['image/vnd.microsoft.icon', 'image/ico', 'image/icon'],
  },
  {
    serve: 'image/heic',
    detected: ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'],
    extensions: ['heics', 'heifs', 'hif'],
  },
  {
    serve: 'image/vnd.adobe.photoshop',
    detected: ['image/vnd.adobe.photoshop'],
    aliases: ['image/x-photoshop', 'application/x-photoshop', 'application/photoshop', 'application/psd'],
  },
  // Audio and video
  {
    serve: 'audio/wav',
    detected: ['audio/wav'],
    aliases: ['audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'audio/x-pn-wav'],
  },
  {
    serve: 'audio/mpeg',
    detected: ['audio/mpeg'],
    aliases: ['audio/mp3', 'audio/x-mp3', 'audio/mpeg3', 'audio/x-mpeg', 'audio/x-mpeg-3', 'audio/mpg'],
  },
  {
    serve: 'audio/ogg',
    serveAs: { video: 'video/ogg' },
    detected: ['audio/ogg', 'video/ogg', 'application/ogg'],
    aliases: ['audio/opus', 'audio/x-opus', 'audio/vorbis', 'audio/x-vorbis+ogg', 'audio/x-ogg'],
  },
  {
    serve: 'video/webm',
    serveAs: { audio: 'audio/webm' },
    detected: ['video/webm'],
    aliases: ['audio/webm'],
  },
  {
    serve: 'video/mp4',
    serveAs: { audio: 'audio/mp4' },
    detected: ['video/mp4', 'audio/mp4', 'audio/x-m4a', 'video/x-m4v'],
    // Phones name MP4 recordings .mov, and QuickTime files .mp4.
    aliases: ['audio/m4a', 'audio/x-mp4', 'application/mp4', 'video/quicktime'],
    extensions: ['mov', 'qt'],
  },
  {
    serve: 'video/quicktime',
    detected: ['video/quicktime'],
    aliases: ['video/mp4', 'video/x-m4v'],
    extensions: ['mp4', 'm4v'],
  },
  {
    serve: 'video/x-matroska',
    serveAs: { audio: 'audio/x-matroska' },
    detected: ['video/matroska'],
    aliases: ['video/x-matroska', 'audio/x-matroska', 'audio/matroska'],
  },
  {
    serve: 'video/x-msvideo',
    detected: ['video/vnd.avi'],
    aliases: ['video/x-msvideo', 'video/avi', 'video/msvideo'],
  },
  {
    serve: 'video/x-ms-asf',
    serveAs: { audio: 'audio/x-ms-wma' },
    detected: ['video/x-ms-asf', 'audio/x-ms-asf', 'application/vnd.ms-asf'],
    aliases: ['video/x-ms-wmv', 'audio/x-ms-wma'],
  },
  {
    serve: 'video/3gpp',
    serveAs: { audio: 'audio/3gpp' },
    detected: ['video/3gpp'],
    aliases: ['audio/3gpp'],
  },
  {
    serve: 'video/3gpp2',
    serveAs: { audio: 'audio/3gpp2' },
    detected: ['video/3gpp2'],
    aliases: ['audio/3gpp2'],
  },
  { serve: 'video/x-flv', detected: ['video/x-flv'], aliases: ['video/flv'] },
  { serve: 'audio/flac', detected: ['audio/flac'], aliases: ['audio/x-flac'] },
  { serve: 'audio/aac', detected: ['audio/aac'], aliases: ['audio/x-aac', 'audio/aacp'] },
  { serve: 'audio/aiff', detected: ['audio/aiff'], aliases: ['audio/x-aiff'] },
  { serve: 'audio/midi', detected: ['audio/midi'], aliases: ['audio/x-midi', 'audio/mid'] },
  // Documents, archives, programs
  { serve: 'application/pdf', detected: ['application/pdf'], aliases: ['application/x-pdf'] },
  {
    serve: 'application/zip',
    detected: ['application/zip'],
    aliases: ['application/x-zip-compressed', 'application/x-zip', 'multipart/x-zip'],
    container: true,
  },
  {
    serve: 'application/x-cfb',
    detected: ['application/x-cfb'],
    extensions: ['doc', 'dot', 'xls', 'xlt', 'ppt', 'pps', 'pot', 'msi', 'msg', 'vsd', 'pub', 'mpp'],
    container: true,
  },
  {
    serve: 'application/xml',
    serveAs: { image: 'image/svg+xml' },
    detected: ['application/xml'],
    aliases: ['text/xml', 'image/svg+xml', 'application/xhtml+xml', 'application/xslt+xml'],
    xml: true,
  },
  { serve: 'application/gzip', detected: ['application/gzip'], aliases: ['application/x-gzip'] },
  {
    serve: 'application/vnd.rar',
    detected: ['application/x-rar-compressed'],
    aliases: ['application/vnd.rar', 'application/x-rar'],
  },
  { serve: 'application/x-bzip2', detected: ['application/x-bzip2'], aliases: ['application/x-bzip'] },
  { serve: 'application/x-tar', detected: ['application/x-tar'], aliases: ['application/tar'] },
  {
    serve: 'application/x-msdownload',
    detected: ['application/x-msdownload'],
    aliases: [
      'application/x-msdos-program',
      'application/vnd.microsoft.portable-executable',
      'application/x-dosexec',
      'application/exe',
      'application/x-exe',
    ],
  },
  {
    serve: 'application/x-elf',
    detected: ['application/x-elf'],
    aliases: ['application/x-executable', 'application/x-sharedlib', 'application/x-pie-executable'],
  },
  {
    serve: 'application/java-archive',
    detected: ['application/java-archive'],
    aliases: ['application/x-java-archive'],
  },
  {
    serve: 'application/x-deb',
    detected: ['application/x-deb'],
    aliases: ['application/vnd.debian.binary-package', 'application/x-debian-package'],
  },
  {
    serve: 'application/x-rpm',
    detected: ['application/x-rpm'],
    aliases: ['application/x-redhat-package-manager'],
  },
  {
    serve: 'application/x-sqlite3',
    detected: ['application/x-sqlite3'],
    aliases: ['application/vnd.sqlite3'],
  },
  { serve: 'application/rtf', detected: ['application/rtf'], aliases: ['text/rtf'] },
  { serve: 'font/ttf', detected: ['font/ttf'], aliases: ['application/x-font-ttf', 'font/sfnt'] },
  { serve: 'font/otf', detected: ['font/otf'], aliases: ['application/x-font-otf', 'font/opentype'] },
  { serve: 'font/woff', detected: ['font/woff'], aliases: ['application/font-woff'] },
  { serve: 'font/woff2', detected: ['font/woff2'], aliases: ['application/font-woff2'] },
  { serve: 'text/vcard', detected: ['text/vcard'], aliases: ['text/x-vcard', 'text/directory'] },
];

const BY_DETECTED = new Map<string, Format>();
const KNOWN = new Set<string>();
for (const format of FORMATS) {
  for (const type of format.detected) BY_DETECTED.set(type, format);
  for (const type of [...format.detected, ...(format.aliases ?? [])]) KNOWN.add(type);
}

/** `Image/PNG; charset=binary` → `image/png`. */
export function normaliseType(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** `image/png` → `image`. */
export function topLevel(type: string): string {
  return type.split('/', 1)[0] ?? '';
}

/** Declared types that say "I don't know". */
const UNKNOWN = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

export function isUnknownType(type: string): boolean {
  return UNKNOWN.has(type);
}

/** The format of a type file-type reported (any type file-type knows and this table doesn't stands alone). */
export function formatOf(detectedType: string): Format {
  return BY_DETECTED.get(detectedType) ?? { serve: detectedType, detected: [detectedType] };
}

/** Whether a declared type names this format. */
export function names(format: Format, declaredType: string): boolean {
  return (
    format.detected.includes(declaredType) ||
    (format.aliases ?? []).includes(declaredType) ||
    (format.xml === true && declaredType.endsWith('+xml'))
  );
}

/** Whether the type is one of a format file-type recognises (so bytes of another type contradict it). */
export function isRecognisableType(type: string): boolean {
  return KNOWN.has(type) || type.endsWith('+xml') || type === 'text/xml';
}

/** The extensions (lower case, without dot) a file of this format may carry. */
export function extensionsOf(format: Format): Set<string> {
  const extensions = new Set<string>(format.extensions ?? []);
  for (const type of [...format.detected, ...(format.aliases ?? [])]) {
    for (const extension of mime.extensions[type] ?? []) extensions.add(extension);
  }
  return extensions;
}

/** `Report.Final.PDF` → `pdf`; `README` and `.bashrc` → `''`. */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot <= 0 ? '' : filename.slice(dot + 1).toLowerCase();
}
