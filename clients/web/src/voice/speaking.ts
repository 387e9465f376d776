/**
 * Who is speaking, heard in the page: the level of each audio track (the microphone, each consumer)
 * through Web Audio, a few times a second. The SFU's `activeSpeaker` names only the loudest peer; this
 * lights everyone who talks, as Discord does. Where Web Audio is unavailable (or the page may not start
 * it), it reports nobody and the SFU's active speaker is all there is.
 */

/** RMS of the samples above which a track counts as speaking (about -40 dBFS). */
const THRESHOLD = 0.01;
/** How long a track stays "speaking" after its level dropped, so words do not flicker. */
const HOLD_MS = 400;
const INTERVAL_MS = 100;

interface Watched {
  key: string;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  samples: Float32Array<ArrayBuffer>;
  lastLoud: number;
}

export class SpeakingMeter {
  private context: AudioContext | null = null;
  private readonly watched = new Map<string, Watched>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private speaking = new Set<string>();

  /** `onChange` gets the keys (user ids) speaking now, whenever that set changes. */
  constructor(private readonly onChange: (keys: ReadonlySet<string>) => void) {}

  /** Follows a track under a key (the same key again replaces it). */
  watch(key: string, track: MediaStreamTrack): void {
    this.unwatch(key);
    const context = this.audioContext();
    if (!context) return;
    try {
      const source = context.createMediaStreamSource(new MediaStream([track]));
      const analyser = context.createAnalyser();
      analyser.fftSize = 512;
      source.connect(analyser);
      this.watched.set(key, {
        key,
        source,
        analyser,
        samples: new Float32Array(analyser.fftSize),
        lastLoud: 0,
      });
      this.timer ??= setInterval(() => this.sample(), INTERVAL_MS);
    } catch {
      // A track Web Audio cannot read: nobody is shown speaking from it.
    }
  }

  unwatch(key: string): void {
    const watched = this.watched.get(key);
    if (!watched) return;
    watched.source.disconnect();
    this.watched.delete(key);
    if (this.speaking.has(key)) {
      this.speaking = new Set([...this.speaking].filter((k) => k !== key));
      this.onChange(this.speaking);
    }
    if (!this.watched.size && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  close(): void {
    for (const key of [...this.watched.keys()]) this.unwatch(key);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.context?.close().catch(() => {});
    this.context = null;
  }

  private audioContext(): AudioContext | null {
    if (this.context) return this.context;
    if (typeof AudioContext === 'undefined') return null;
    try {
      this.context = new AudioContext();
      // Started from the click that joined; where the page may not start audio, it stays silent.
      void this.context.resume().catch(() => {});
    } catch {
      this.context = null;
    }
    return this.context;
  }

  private sample(): void {
    const now = performance.now();
    const speaking = new Set<string>();
    for (const watched of this.watched.values()) {
      watched.analyser.getFloatTimeDomainData(watched.samples);
      let sum = 0;
      for (const sample of watched.samples) sum += sample * sample;
      if (Math.sqrt(sum / watched.samples.length) > THRESHOLD) watched.lastLoud = now;
      if (now - watched.lastLoud < HOLD_MS) speaking.add(watched.key);
    }
    const same = speaking.size === this.speaking.size && [...speaking].every((k) => this.speaking.has(k));
    if (same) return;
    this.speaking = speaking;
    this.onChange(speaking);
  }
}
