/**
 * A composer tool that opens a small menu upwards (templates, Ari's sequences). Keyboard:
 * arrows, Home/End, Escape back to the button, Tab out; a click elsewhere closes it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { menuKeyTarget } from '../../ui/menu-keys';
import { onPointerDownOutside } from '../../ui/outside';

export interface MenuItem {
  key: string | number;
  name: ComponentChildren;
  body?: string | null;
  pick(): void;
}

export function ToolMenu(props: {
  /** The button's accessible name; the menu is named `menuLabel`. */
  label: string;
  menuLabel: string;
  icon: ComponentChildren;
  text: string;
  heading?: string;
  empty: string;
  items: MenuItem[];
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const items = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? [])];

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    // A click anywhere else closes it (on the page, or elsewhere in the panel).
    return onPointerDownOutside(
      () => [menu.current, trigger.current],
      () => setOpen(false),
    );
  }, [open]);

  const close = (focusTrigger: boolean) => {
    setOpen(false);
    if (focusTrigger) trigger.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const list = items();
    const next = menuKeyTarget(e.key, list.indexOf(e.target as HTMLButtonElement), list.length);
    if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
      return;
    } else if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    if (next >= 0) {
      e.preventDefault();
      list[next]?.focus();
    }
  };

  return (
    <div class="te-conv-menu-wrap">
      <button
        ref={trigger}
        type="button"
        class="te-conv-tool"
        aria-label={props.label}
        title={props.label}
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={props.disabled}
        onClick={() => setOpen(!open)}
      >
        {props.icon}
        <span class="te-conv-tool-text">{props.text}</span>
      </button>
      {open && (
        <div ref={menu} class="te-conv-menu" onKeyDown={onKeyDown}>
          {props.heading && <p class="te-conv-menu-head">{props.heading}</p>}
          {props.items.length === 0 ? (
            <p class="te-conv-menu-empty">{props.empty}</p>
          ) : (
            <div role="menu" aria-label={props.menuLabel}>
              {props.items.map((item) => (
                <button
                  key={item.key}
                  type="button"
                  role="menuitem"
                  class="te-conv-menu-item"
                  onClick={() => {
                    item.pick();
                    close(false);
                  }}
                >
                  <span class="te-conv-menu-name">{item.name}</span>
                  {item.body && <span class="te-conv-menu-body">{item.body}</span>}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
