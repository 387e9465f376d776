import { useEffect, useId, useRef, type KeyboardEvent } from 'react';

export interface MenuItem {
  label: string;
  disabled: boolean;
  run: () => void;
}

/**
 * A guild's menu in the rail, as the WAI-ARIA menu button pattern asks: the button opens it (so
 * does a right-click on the guild), focus moves to the first item, arrow keys, Home and End move
 * between items, Escape closes it and returns to the button, and Tab or a press outside closes it. Choosing an
 * item closes it too, and focus comes back to the button where the guild now is (`position`).
 */
export function GuildMenu({
  name,
  open,
  onOpenChange,
  items,
  position,
}: {
  name: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  items: readonly MenuItem[];
  position: number;
}) {
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  /**
   * After an item ran, the position it ran at: focus returns to the button, again once the guild has
   * moved (React moves its element, which loses focus).
   */
  const refocus = useRef<number | null>(null);

  const itemButtons = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];

  useEffect(() => {
    if (open)
      itemButtons()
        .find((item) => item.getAttribute('aria-disabled') !== 'true')
        ?.focus();
  }, [open]);
  // A press anywhere outside the menu and its button closes it (focus may not move: Safari does not
  // focus a clicked button, so focus events cannot tell).
  useEffect(() => {
    if (!open) return;
    const outside = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) onOpenChange(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open, onOpenChange]);
  useEffect(() => {
    if (refocus.current === null) return;
    button.current?.focus();
    if (refocus.current !== position) refocus.current = null;
  }, [open, position]);

  const close = (focusButton: boolean) => {
    onOpenChange(false);
    if (focusButton) button.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const all = itemButtons();
    const current = all.indexOf(document.activeElement as HTMLElement);
    const to = (index: number) => {
      event.preventDefault();
      all[(index + all.length) % all.length]?.focus();
    };
    if (event.key === 'ArrowDown') to(current + 1);
    else if (event.key === 'ArrowUp') to(current - 1);
    else if (event.key === 'Home') to(0);
    else if (event.key === 'End') to(all.length - 1);
    else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === 'Tab') close(false);
  };

  return (
    <div className="guild-menu">
      <button
        ref={button}
        type="button"
        className="guild-menu-button"
        aria-label={`Options for ${name}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => onOpenChange(!open)}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open && (
        <ul
          ref={menu}
          id={menuId}
          role="menu"
          className="menu"
          aria-label={`${name} options`}
          onKeyDown={onKeyDown}
        >
          {items.map((item) => (
            <li key={item.label} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                aria-disabled={item.disabled}
                onClick={() => {
                  if (item.disabled) return;
                  refocus.current = position;
                  onOpenChange(false);
                  item.run();
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
