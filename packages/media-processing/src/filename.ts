import { validation } from '@gochat/errors';

/** The longest name accepted, in characters (code points) after normalisation. */
export const MAX_FILENAME_LENGTH = 255;

/** C0 controls, DEL and C1 controls. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
// Bidirectional embeddings, overrides and isolates, and the implicit direction marks: they make
// "invoice\u202Efdp.exe" display as "invoiceexe.pdf".
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

/**
 * Checks a user-supplied file name and returns it NFC-normalised and trimmed. Refuses (VALIDATION,
 * field `filename`) empty names, names longer than 255 characters, path separators, control
 * characters, bidirectional controls and names made only of dots ("." and "..").
 */
export function checkFilename(name: string): string {
  // Controls are refused anywhere, before trimming: trim() would otherwise drop a trailing newline silently.
  if (hasControl(name)) throw validation('The file name contains a control character.', 'filename');
  const normalised = name.normalize('NFC').trim();
  if (normalised.length === 0) throw validation('The file name is empty.', 'filename');
  if ([...normalised].length > MAX_FILENAME_LENGTH) {
    throw validation(`The file name is longer than ${MAX_FILENAME_LENGTH} characters.`, 'filename');
  }
  if (/[/\\]/.test(normalised)) throw validation('The file name contains a path separator.', 'filename');
  if (BIDI.test(normalised)) {
    throw validation('The file name contains a text-direction control character.', 'filename');
  }
  if (/^\.+$/.test(normalised)) throw validation('The file name is only dots.', 'filename');
  return normalised;
}
