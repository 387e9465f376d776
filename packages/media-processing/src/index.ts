export { checkFilename, MAX_FILENAME_LENGTH } from './filename.ts';
export { sniff, type MediaKind, type Sniffed } from './sniff.ts';
export {
  probeImage,
  processImage,
  stripImageMetadata,
  type ImageInfo,
  type ImagePreview,
  type ProcessedImage,
} from './image.ts';
export { ffmpegAvailable, posterFrame, probeAv, type AvInfo } from './av.ts';
