import { uploadFile, useGoChat, type UploadFieldsFragment, type UploadFileOptions } from '@gochat/react';
import { useState } from 'react';

export interface SingleUploadState {
  filename: string;
  /** 0 to 1; null while the server processes the file. */
  progress: number | null;
}

/**
 * One file at a time for a settings screen (avatar, icon, emoji): upload it, then use the READY
 * upload (setAvatar, say). Tracks progress and the error of either step.
 */
export function useSingleUpload() {
  const gochat = useGoChat();
  const [state, setState] = useState<SingleUploadState | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(
    file: File,
    options: Pick<UploadFileOptions, 'kind' | 'guildId'>,
    use: (upload: UploadFieldsFragment) => Promise<unknown>,
  ): Promise<boolean> {
    setError(null);
    setState({ filename: file.name, progress: 0 });
    try {
      const upload = await uploadFile(gochat, file, {
        ...options,
        onProgress: (progress) => setState({ filename: file.name, progress }),
        onProcessing: () => setState({ filename: file.name, progress: null }),
      });
      await use(upload);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setState(null);
    }
  }

  return { state, error, run, busy: state !== null };
}
