/** What an upload is for. Each kind has its own limit, permission and served form. */
export const UPLOAD_KINDS = ['attachment', 'avatar', 'guild_icon', 'guild_banner', 'emoji'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

export type UploadState = 'pending' | 'processing' | 'ready' | 'failed' | 'released';

/** Kinds served as public WebP variants at stable URLs; attachments are private and signed. */
export const PUBLIC_KINDS: ReadonlySet<UploadKind> = new Set([
  'avatar',
  'guild_icon',
  'guild_banner',
  'emoji',
]);

/** The square sizes (px) each kind's previews or public variants are made at. */
export const VARIANT_SIZES: Readonly<Record<UploadKind, readonly number[]>> = {
  attachment: [320, 640, 1280],
  avatar: [64, 128, 256, 512],
  guild_icon: [64, 128, 256, 512],
  guild_banner: [480, 960, 1920],
  emoji: [32, 64, 128],
};

/** The profile slot a public kind fills (emoji belong to their emoji row instead). */
export type ProfileSlot = 'avatar' | 'guild_icon' | 'guild_banner';

/*
 * Object keys. Everything of one upload sits under two prefixes, so deleting an upload is deleting
 * them, whatever was made from it.
 */
export const privatePrefix = (uploadId: string) => `uploads/${uploadId}/`;
export const publicPrefix = (uploadId: string) => `public/${uploadId}/`;
/** Where the client PUTs the bytes. */
export const originalKey = (uploadId: string) => `uploads/${uploadId}/original`;
/** The original with its EXIF/XMP (GPS) removed, served instead of it when made. */
export const cleanedKey = (uploadId: string) => `uploads/${uploadId}/cleaned`;
export const previewKey = (uploadId: string, size: number) => `uploads/${uploadId}/preview-${size}.webp`;
export const publicVariantKey = (uploadId: string, size: number) => `public/${uploadId}/${size}.webp`;

/** The variant to serve for a requested size: the smallest at least that large, else the largest. */
export function pickSize(available: readonly number[], wanted: number): number | undefined {
  const sorted = [...available].sort((a, b) => a - b);
  return sorted.find((s) => s >= wanted) ?? sorted.at(-1);
}

/** Every object an upload can have: deleting these deletes the upload (absent ones are no error). */
export function uploadObjectKeys(uploadId: string, kind: UploadKind): string[] {
  const sizes = VARIANT_SIZES[kind];
  return [
    originalKey(uploadId),
    cleanedKey(uploadId),
    ...sizes.map((size) => previewKey(uploadId, size)),
    ...sizes.map((size) => publicVariantKey(uploadId, size)),
  ];
}
