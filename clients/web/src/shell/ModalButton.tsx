import { Suspense, useRef, useState, type ReactNode } from 'react';

/**
 * A button that opens a modal dialog named `label` (a native <dialog>: focus moves into it, Escape
 * closes it). Its content mounts only while open, inside Suspense, so a React.lazy screen loads on
 * the first click, not with the app.
 */
export function ModalButton({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: (close: () => void) => ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const close = () => {
    ref.current?.close();
    setOpen(false);
  };
  return (
    <>
      <button
        type="button"
        className={className}
        aria-haspopup="dialog"
        onClick={() => {
          setOpen(true);
          ref.current?.showModal();
        }}
      >
        {label}
      </button>
      <dialog ref={ref} aria-label={label} className="settings" onClose={() => setOpen(false)}>
        {open && <Suspense fallback={<p className="loading">Loading…</p>}>{children(close)}</Suspense>}
      </dialog>
    </>
  );
}
