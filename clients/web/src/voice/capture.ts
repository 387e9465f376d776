/**
 * The microphone's capture pipeline (Web Audio): the raw track goes through a gain (the input volume
 * setting) and a voice activity gate (the input sensitivity), and the pipeline's output track is what
 * a call sends. Both settings can change while it runs (`update`) and apply at once.
 *
 * The gate is decided per audio block on the audio clock (a ScriptProcessorNode's callback), not by a
 * timer: browsers throttle timers in hidden tabs to once a second, which would cut the start of every
 * sentence while the user looks at another tab, the usual case in a call. (An AudioWorklet would need
 * a module file of its own, which the web client's build does not emit yet: decision 0054.)
 *
 * Where Web Audio is missing or the page may not start it, `openCapture` hands back the raw track
 * (always sent, at the device's volume): a call never goes silent because of this pipeline.
 */
import { GATE_CLOSED, inputGain, rms, stepGate, toDecibels, type GateState } from './levels.ts';

export interface CaptureSettings {
  /** Percent, 0-200. */
  inputVolume: number;
  /** dB, -100 to 0; null: always send. */
  inputSensitivity: number | null;
}

export interface Capture {
  /** The track to send. */
  readonly track: MediaStreamTrack;
  /** Whether the volume and the gate apply (false: the raw track, as a fallback). */
  readonly processed: boolean;
  update(settings: CaptureSettings): void;
  /** Called per block with the level (dB, after the volume) and whether the gate is open. */
  onLevel: ((db: number, open: boolean) => void) | null;
  /** Stops the pipeline and its output track (not the raw microphone: its owner stops that). */
  close(): void;
}

/** Samples per gate decision: about 21 ms at 48 kHz. */
const BLOCK = 1024;
/** Seconds the gate takes to open or close (a time constant), so it does not click. */
const GATE_RAMP = 0.01;
/** How long the page may take to start audio before the raw track is used instead. */
const START_TIMEOUT_MS = 1_000;

class RawCapture implements Capture {
  readonly processed = false;
  onLevel: ((db: number, open: boolean) => void) | null = null;
  constructor(readonly track: MediaStreamTrack) {}
  update(): void {}
  close(): void {}
}

class WebAudioCapture implements Capture {
  readonly processed = true;
  readonly track: MediaStreamTrack;
  onLevel: ((db: number, open: boolean) => void) | null = null;
  private readonly volume: GainNode;
  private readonly gate: GainNode;
  private readonly nodes: AudioNode[];
  private settings: CaptureSettings;
  private state: GateState = GATE_CLOSED;
  private closed = false;

  constructor(
    private readonly context: AudioContext,
    microphone: MediaStreamTrack,
    settings: CaptureSettings,
  ) {
    this.settings = settings;
    const source = context.createMediaStreamSource(new MediaStream([microphone]));
    this.volume = context.createGain();
    this.gate = context.createGain();
    const destination = context.createMediaStreamDestination();
    // The meter: it reads the level after the volume and writes nothing (its output is discarded).
    const meter = context.createScriptProcessor(BLOCK, 1, 1);
    const sink = context.createGain();
    sink.gain.value = 0;
    source.connect(this.volume).connect(this.gate).connect(destination);
    this.volume.connect(meter).connect(sink).connect(destination);
    meter.onaudioprocess = (event) => this.measure(event.inputBuffer.getChannelData(0));
    this.nodes = [source, this.volume, this.gate, meter, sink];
    this.apply(true);
    const track = destination.stream.getAudioTracks()[0];
    if (!track) throw new Error('no output track');
    this.track = track;
  }

  update(settings: CaptureSettings): void {
    this.settings = settings;
    this.apply(false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onLevel = null;
    for (const node of this.nodes) node.disconnect();
    this.track.stop();
    void this.context.close().catch(() => {});
  }

  private measure(samples: Float32Array): void {
    if (this.closed) return;
    const db = toDecibels(rms(samples));
    const before = this.state.open;
    this.state = stepGate(this.state, db, this.settings.inputSensitivity, performance.now());
    if (this.state.open !== before) this.applyGate(false);
    this.onLevel?.(db, this.state.open);
  }

  private apply(immediately: boolean): void {
    this.volume.gain.setTargetAtTime(
      inputGain(this.settings.inputVolume),
      this.context.currentTime,
      GATE_RAMP,
    );
    if (this.settings.inputSensitivity === null) this.state = { open: true, lastLoudAt: performance.now() };
    this.applyGate(immediately);
  }

  private applyGate(immediately: boolean): void {
    const target = this.state.open ? 1 : 0;
    if (immediately) this.gate.gain.value = target;
    else this.gate.gain.setTargetAtTime(target, this.context.currentTime, GATE_RAMP);
  }
}

/**
 * The pipeline for a microphone track, with these settings; the raw track where Web Audio cannot
 * run it. Resolves once the pipeline's audio runs (a suspended context would send silence).
 */
export async function openCapture(microphone: MediaStreamTrack, settings: CaptureSettings): Promise<Capture> {
  if (typeof AudioContext === 'undefined') return new RawCapture(microphone);
  let context: AudioContext | null = null;
  try {
    context = new AudioContext();
    if (context.state !== 'running') {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        context.resume().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, START_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    if (context.state !== 'running') throw new Error('audio could not start');
    return new WebAudioCapture(context, microphone, settings);
  } catch {
    void context?.close().catch(() => {});
    return new RawCapture(microphone);
  }
}
