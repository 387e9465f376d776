import { useEffect, useRef } from 'react';

/**
 * `run(value)` called at most once per pause: while a slider or colour picker moves, only the value
 * it rests on is saved (each save is a settings version on every device). A pending value is saved
 * when the screen closes.
 */
export function useDebounced<T>(save: (value: T) => void, ms = 400): (value: T) => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pending = useRef<{ value: T } | null>(null);
  const latestSave = useRef(save);
  latestSave.current = save;
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      if (pending.current) latestSave.current(pending.current.value);
    },
    [],
  );
  return (value: T) => {
    pending.current = { value };
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      pending.current = null;
      latestSave.current(value);
    }, ms);
  };
}
