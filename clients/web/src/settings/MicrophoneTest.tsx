import { useEffect, useRef, useState } from 'react';

import { openCapture, type Capture, type CaptureSettings } from '../voice/capture.ts';
import { FLOOR_DB } from '../voice/levels.ts';
import { microphoneConstraints } from '../voice/preferences.ts';

/** How often the meter redraws at most: the pipeline reports every ~20 ms. */
const REDRAW_MS = 100;

interface Reading {
  db: number;
  open: boolean;
}

/**
 * A microphone check: the chosen microphone through the same pipeline a call sends it through
 * (voice/capture.ts), showing its level after the input volume, and whether the input sensitivity
 * would let it through. Nothing is played back or sent; it stops when the tab closes.
 */
export function MicrophoneTest({ settings }: { settings: CaptureSettings }) {
  const [testing, setTesting] = useState(false);
  const [reading, setReading] = useState<Reading | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const capture = useRef<Capture | null>(null);
  const latest = useRef(settings);
  latest.current = settings;

  const { inputVolume, inputSensitivity } = settings;
  useEffect(() => {
    capture.current?.update({ inputVolume, inputSensitivity });
  }, [inputVolume, inputSensitivity]);

  useEffect(() => {
    if (!testing) return;
    let stopped = false;
    let stream: MediaStream | null = null;
    void (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(), video: false });
        const track = stream.getAudioTracks()[0];
        if (!track) throw new Error('no audio track');
        const opened = await openCapture(track, latest.current);
        if (stopped) return opened.close();
        if (!opened.processed) {
          setProblem('This browser cannot measure the microphone here.');
          opened.close();
          return;
        }
        // Each redraw shows the loudest block since the last one (a short sound is not missed), and
        // the gate open if it was open in any of them.
        let drawnAt = 0;
        let peak: Reading = { db: FLOOR_DB, open: false };
        opened.onLevel = (db, open) => {
          peak = { db: Math.max(peak.db, db), open: peak.open || open };
          const now = performance.now();
          if (now - drawnAt < REDRAW_MS) return;
          drawnAt = now;
          setReading({ db: Math.round(peak.db), open: peak.open });
          peak = { db: FLOOR_DB, open: false };
        };
        capture.current = opened;
      } catch {
        if (!stopped) setProblem('The microphone could not be opened.');
      }
    })();
    return () => {
      stopped = true;
      capture.current?.close();
      capture.current = null;
      for (const track of stream?.getTracks() ?? []) track.stop();
      setReading(null);
    };
  }, [testing]);

  return (
    <div className="microphone-test">
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setProblem(null);
          setTesting((t) => !t);
        }}
      >
        {testing ? 'Stop the microphone test' : 'Test the microphone'}
      </button>
      {testing && reading && (
        <p>
          <label>
            Input level
            <meter min={FLOOR_DB} max={0} value={reading.db} aria-valuetext={`${reading.db} dB`} />
          </label>{' '}
          <span className="hint">{reading.open ? 'Sent to the call' : 'Too quiet: not sent'}</span>
        </p>
      )}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </div>
  );
}
