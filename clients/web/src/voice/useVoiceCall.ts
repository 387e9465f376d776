import { useGoChat } from '@gochat/react';
import { useSyncExternalStore } from 'react';

import { voiceCallOf, type VoiceCall, type VoiceCallState } from './call.ts';

/**
 * The viewer's current call and its controls: one call per app, kept outside React (call.ts), so it
 * goes on while the screens around it change.
 */
export function useVoiceCall(): { call: VoiceCall; state: VoiceCallState } {
  const call = voiceCallOf(useGoChat());
  const state = useSyncExternalStore(call.subscribe, call.get);
  return { call, state };
}
