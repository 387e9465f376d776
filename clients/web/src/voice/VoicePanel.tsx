import { HangUpIcon, HeadphonesIcon, MicIcon, SpeakerIcon } from './icons.tsx';
import type { VoiceCallState } from './call.ts';
import { useVoiceCall } from './useVoiceCall.ts';

function statusOf(state: VoiceCallState): string {
  const where = state.channelName ?? 'the voice channel';
  switch (state.phase) {
    case 'joining':
      return `Joining ${where}…`;
    case 'connecting':
      return `Connecting to ${where}…`;
    case 'connected':
      return 'Voice connected';
    case 'failed':
      return `Voice unavailable: ${state.problem ?? 'the voice server could not be reached.'}`;
    case 'disconnected':
      return `Disconnected: ${state.problem ?? 'the call ended.'}`;
    case 'idle':
      return '';
  }
}

/**
 * The viewer's call, at the bottom of the channel list: where, how the connection is going (or why it
 * failed or ended), a moderator's mute or deafen, and mute, deafen and disconnect.
 */
export function VoicePanel() {
  const { call, state } = useVoiceCall();
  if (state.phase === 'idle') return null;
  const { phase, selfMute, selfDeaf, serverMute, serverDeaf } = state;
  const muted = selfMute || selfDeaf;
  return (
    <section className={`voice-panel ${phase}`} aria-label="Voice connection">
      <p role="status" className="voice-status">
        {statusOf(state)}
      </p>
      {phase !== 'disconnected' && state.channelName && (
        <p className="voice-where">
          <SpeakerIcon /> {state.channelName}
        </p>
      )}
      {phase === 'failed' && (
        <p className="hint">
          Others still see you in the channel until you disconnect or the server lets you go.
        </p>
      )}
      {phase !== 'disconnected' && (serverMute || serverDeaf) && (
        <p className="voice-flag">
          {serverDeaf ? 'Server deafened by a moderator' : 'Server muted by a moderator'}
        </p>
      )}
      {phase !== 'disconnected' && state.microphone && <p className="hint">{state.microphone}</p>}
      {state.actionError && (
        <p role="alert" className="error">
          {state.actionError}
        </p>
      )}
      {phase === 'disconnected' ? (
        <div className="voice-controls">
          <button type="button" className="secondary" onClick={() => call.dismiss()}>
            Dismiss
          </button>
        </div>
      ) : (
        <div className="voice-controls">
          <button
            type="button"
            className={`icon ${muted ? 'off' : ''}`}
            aria-pressed={muted}
            title={muted ? 'Unmute' : 'Mute'}
            onClick={() => void call.toggleMute()}
          >
            <MicIcon off={muted} />
            <span className="visually-hidden">Mute</span>
          </button>
          <button
            type="button"
            className={`icon ${selfDeaf ? 'off' : ''}`}
            aria-pressed={selfDeaf}
            title={selfDeaf ? 'Undeafen' : 'Deafen'}
            onClick={() => void call.toggleDeafen()}
          >
            <HeadphonesIcon off={selfDeaf} />
            <span className="visually-hidden">Deafen</span>
          </button>
          {phase === 'failed' && (
            <button type="button" className="secondary" onClick={() => call.retry()}>
              Retry
            </button>
          )}
          <button type="button" className="icon hang-up" title="Disconnect" onClick={() => void call.leave()}>
            <HangUpIcon />
            <span className="visually-hidden">Disconnect</span>
          </button>
        </div>
      )}
    </section>
  );
}
