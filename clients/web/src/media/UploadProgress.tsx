import type { SingleUploadState } from './useSingleUpload.ts';

/** A progress bar named after the file being uploaded (indeterminate while it is processed). */
export function UploadProgress({ state }: { state: SingleUploadState | null }) {
  if (!state) return null;
  return (
    <p className="upload-progress">
      <progress aria-label={state.filename} max={1} value={state.progress ?? undefined} />{' '}
      <span className="hint">
        {state.progress === null ? 'Processing…' : `Uploading ${Math.round(state.progress * 100)}%`}
      </span>
    </p>
  );
}
