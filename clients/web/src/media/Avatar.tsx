import { initials } from './format.ts';

/**
 * A round picture of a person or guild: the image when there is one, else their initials. Decorative
 * by default (the name is shown beside it); pass `alt` when the picture stands alone.
 */
export function Avatar({
  name,
  url,
  size = 32,
  alt = '',
  className = '',
}: {
  name: string;
  url: string | null | undefined;
  size?: number;
  alt?: string;
  className?: string;
}) {
  const style = { width: size, height: size, fontSize: Math.max(10, Math.round(size * 0.4)) };
  if (url) return <img className={`avatar ${className}`} src={url} alt={alt} width={size} height={size} />;
  return (
    <span
      className={`avatar initials ${className}`}
      style={style}
      {...(alt ? { role: 'img', 'aria-label': alt } : { 'aria-hidden': true })}
    >
      {initials(name)}
    </span>
  );
}
