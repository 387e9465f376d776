import { describe, expect, it } from 'vitest';

import {
  FLOOR_DB,
  GATE_CLOSED,
  GATE_HANG_MS,
  inputGain,
  meterFraction,
  rms,
  stepGate,
  toDecibels,
  type GateState,
} from './levels.ts';

describe('inputGain', () => {
  it('turns the percent setting into a linear gain, clamped to 0-200 %', () => {
    expect(inputGain(100)).toBe(1);
    expect(inputGain(0)).toBe(0);
    expect(inputGain(150)).toBe(1.5);
    expect(inputGain(200)).toBe(2);
    expect(inputGain(500)).toBe(2);
    expect(inputGain(-20)).toBe(0);
    expect(inputGain(Number.NaN)).toBe(1);
  });
});

describe('rms and toDecibels', () => {
  it('measures a block: full-scale square wave 0 dB, half -6 dB, silence the floor', () => {
    expect(rms([1, -1, 1, -1])).toBe(1);
    expect(rms([0.5, -0.5])).toBe(0.5);
    expect(rms([])).toBe(0);
    expect(toDecibels(1)).toBe(0);
    expect(toDecibels(0.5)).toBeCloseTo(-6.02, 2);
    expect(toDecibels(0.01)).toBeCloseTo(-40, 5);
    expect(toDecibels(0)).toBe(FLOOR_DB);
    expect(toDecibels(1e-9)).toBe(FLOOR_DB);
    // A gain above 1 can push samples past full scale: the level still reads 0 dB at most.
    expect(toDecibels(2)).toBe(0);
  });

  it('a sine of amplitude 1 reads about -3 dB', () => {
    const sine = Array.from({ length: 480 }, (_, i) => Math.sin((2 * Math.PI * i) / 48));
    expect(toDecibels(rms(sine))).toBeCloseTo(-3.01, 1);
  });
});

describe('meterFraction', () => {
  it('maps -100..0 dB onto 0..1', () => {
    expect(meterFraction(FLOOR_DB)).toBe(0);
    expect(meterFraction(-50)).toBe(0.5);
    expect(meterFraction(0)).toBe(1);
    expect(meterFraction(-200)).toBe(0);
  });
});

describe('stepGate', () => {
  it('is always open without a threshold (automatic): today’s behaviour', () => {
    expect(stepGate(GATE_CLOSED, FLOOR_DB, null, 0).open).toBe(true);
  });

  it('opens at once at or above the threshold and stays shut below it', () => {
    expect(stepGate(GATE_CLOSED, -60, -50, 1_000).open).toBe(false);
    expect(stepGate(GATE_CLOSED, -50, -50, 1_000)).toEqual({ open: true, lastLoudAt: 1_000 });
    expect(stepGate(GATE_CLOSED, -20, -50, 1_000).open).toBe(true);
  });

  it('holds open for the hang time after the level falls, then closes', () => {
    let state: GateState = stepGate(GATE_CLOSED, -10, -40, 0);
    state = stepGate(state, -80, -40, GATE_HANG_MS - 1);
    expect(state.open).toBe(true);
    state = stepGate(state, -80, -40, GATE_HANG_MS);
    expect(state.open).toBe(false);
    // Speech again re-opens it and restarts the hang time.
    state = stepGate(state, -30, -40, 1_000);
    expect(state.open).toBe(true);
    expect(stepGate(state, -80, -40, 1_000 + GATE_HANG_MS - 1).open).toBe(true);
  });

  it('0 dB passes only full-scale input; -100 dB passes everything', () => {
    expect(stepGate(GATE_CLOSED, -1, 0, 0).open).toBe(false);
    expect(stepGate(GATE_CLOSED, FLOOR_DB, -100, 0).open).toBe(true);
  });
});
