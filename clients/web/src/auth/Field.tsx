import type { InputHTMLAttributes } from 'react';

/** A labelled, required text input of the account forms. */
export function Field({
  label,
  value,
  onChange,
  ...input
}: { label: string; value: string; onChange: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) {
  return (
    <label>
      {label}
      <input required {...input} value={value} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}
