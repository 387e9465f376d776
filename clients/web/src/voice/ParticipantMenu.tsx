import type { ApolloCache } from '@apollo/client';
import {
  useDisconnectVoiceMemberMutation,
  useModerateVoiceMutation,
  useMoveVoiceMemberMutation,
  type ChannelFieldsFragment,
  type VoiceStateFieldsFragment,
} from '@gochat/react';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

import { ErrorText } from '../errors.tsx';

export interface ModeratorRights {
  mute: boolean;
  deafen: boolean;
  move: boolean;
}

/**
 * A moderator's menu on someone in a call: server mute and deafen (MUTE_MEMBERS, DEAFEN_MEMBERS), move
 * to another voice channel and disconnect (MOVE_MEMBERS); only what the rights allow is offered. A
 * menu button: arrows move between the items, Escape closes it and returns to the button.
 */
export function ParticipantMenu({
  guildId,
  state,
  name,
  rights,
  channels,
}: {
  guildId: string;
  state: VoiceStateFieldsFragment;
  name: string;
  rights: ModeratorRights;
  /** The guild's other voice channels, where a move may go. */
  channels: readonly ChannelFieldsFragment[];
}) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const userId = state.user.id;
  /** Shown at once; VoiceStateUpdated confirms it for everyone. */
  const writeFlag = (field: 'serverMute' | 'serverDeaf', value: boolean) => ({
    update: (cache: ApolloCache) => {
      cache.modify({
        id: cache.identify({ __typename: 'VoiceState', user: { __typename: 'User', id: userId } }),
        fields: { [field]: () => value },
      });
    },
  });
  const [moderate, moderation] = useModerateVoiceMutation();
  const [move, moving] = useMoveVoiceMemberMutation();
  const [disconnect, disconnecting] = useDisconnectVoiceMemberMutation();
  const error = moderation.error ?? moving.error ?? disconnecting.error;

  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role^="menuitem"]')?.focus();
    const outside = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const go = (index: number) => {
      event.preventDefault();
      items[(index + items.length) % items.length]?.focus();
    };
    if (event.key === 'ArrowDown') go(at + 1);
    else if (event.key === 'ArrowUp') go(at - 1);
    else if (event.key === 'Home') go(0);
    else if (event.key === 'End') go(items.length - 1);
    else if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'Tab') setOpen(false);
  };

  /** Runs a menu action: the menu closes, errors show under the participant. */
  const act = (run: () => Promise<unknown>) => () => {
    close(true);
    run().catch(() => {});
  };

  const label = `Voice options for ${name}`;
  return (
    <span className="participant-menu">
      <button
        ref={button}
        type="button"
        className="icon"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <div ref={menu} id={menuId} role="menu" aria-label={label} className="menu" onKeyDown={onKeyDown}>
          {rights.mute && (
            <button
              type="button"
              role="menuitemcheckbox"
              aria-checked={state.serverMute}
              tabIndex={-1}
              onClick={act(() => {
                const serverMute = !state.serverMute;
                return moderate({
                  variables: { guildId, userId, serverMute },
                  ...writeFlag('serverMute', serverMute),
                });
              })}
            >
              Server mute
            </button>
          )}
          {rights.deafen && (
            <button
              type="button"
              role="menuitemcheckbox"
              aria-checked={state.serverDeaf}
              tabIndex={-1}
              onClick={act(() => {
                const serverDeaf = !state.serverDeaf;
                return moderate({
                  variables: { guildId, userId, serverDeaf },
                  ...writeFlag('serverDeaf', serverDeaf),
                });
              })}
            >
              Server deafen
            </button>
          )}
          {rights.move &&
            channels.map((channel) => (
              <button
                key={channel.id}
                type="button"
                role="menuitem"
                tabIndex={-1}
                onClick={act(() => move({ variables: { guildId, userId, channelId: channel.id } }))}
              >
                Move to {channel.name}
              </button>
            ))}
          {rights.move && (
            <button
              type="button"
              role="menuitem"
              className="danger"
              tabIndex={-1}
              onClick={act(() => disconnect({ variables: { guildId, userId } }))}
            >
              Disconnect
            </button>
          )}
        </div>
      )}
      <ErrorText error={error} />
    </span>
  );
}
