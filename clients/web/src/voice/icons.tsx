/** Small voice icons, named for assistive technology (role img) unless `label` is left out. */
import type { ReactNode } from 'react';

function Icon({ label, className, children }: { label?: string; className?: string; children: ReactNode }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="16"
      height="16"
      className={`voice-icon ${className ?? ''}`}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true })}
    >
      {label && <title>{label}</title>}
      {children}
    </svg>
  );
}

export function MicIcon({ label, off, className }: { label?: string; off?: boolean; className?: string }) {
  return (
    <Icon label={label} className={className}>
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
      {off && <path d="M4 4l16 16" />}
    </Icon>
  );
}

export function HeadphonesIcon({
  label,
  off,
  className,
}: {
  label?: string;
  off?: boolean;
  className?: string;
}) {
  return (
    <Icon label={label} className={className}>
      <path d="M4 15v-3a8 8 0 0 1 16 0v3" />
      <rect x="3" y="14" width="4" height="6" rx="1" />
      <rect x="17" y="14" width="4" height="6" rx="1" />
      {off && <path d="M4 4l16 16" />}
    </Icon>
  );
}

export function HangUpIcon() {
  return (
    <Icon>
      <path d="M3 14c5-5 13-5 18 0l-2 3-4-2v-2a9 9 0 0 0-6 0v2l-4 2z" />
    </Icon>
  );
}

export function SpeakerIcon() {
  return (
    <Icon className="speaker">
      <path d="M4 9v6h4l5 4V5L8 9z" />
      <path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12" />
    </Icon>
  );
}
