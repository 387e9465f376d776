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

/** The account's current password, as sign-in and every confirmation of a sensitive change ask it. */
export function CurrentPasswordField({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field
      label="Password"
      type="password"
      autoComplete="current-password"
      value={value}
      onChange={onChange}
    />
  );
}
