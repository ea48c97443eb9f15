/**
 * A button that shows a short list of actions (the campaign's "Actions" button and the menu icon
 * of a scheduled message). A disclosure: the items are ordinary buttons, reachable with Tab as
 * well as the arrow keys; Escape closes it and puts focus back on the button; a click elsewhere
 * or focus leaving it closes it too.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { menuKeyTarget } from '../menu-keys';
import { onPointerDownOutside } from '../outside';

export interface MenuItem {
  label: string;
  onSelect(): void;
  danger?: boolean;
  disabled?: boolean;
  testId?: string;
}

let counter = 0;

export function MenuButton(props: {
  label: ComponentChildren;
  /** The accessible name when `label` is only an icon. */
  ariaLabel?: string;
  items: MenuItem[];
  class?: string;
  testId?: string;
  align?: 'start' | 'end';
}) {
  const [open, setOpen] = useState(false);
  const [menuId] = useState(() => `te-menu-${++counter}`);
  const wrap = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);

  const items = () => [...(wrap.current?.querySelectorAll<HTMLButtonElement>('.te-cv-menu-item:not(:disabled)') ?? [])];

  useLayoutEffect(() => {
    if (open) items()[0]?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    return onPointerDownOutside(
      () => [wrap.current],
      () => setOpen(false),
    );
  }, [open]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!open) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      trigger.current?.focus();
      return;
    }
    const list = items();
    const next = menuKeyTarget(e.key, list.indexOf(e.target as HTMLButtonElement), list.length);
    if (next >= 0) {
      e.preventDefault();
      list[next]!.focus();
    }
  };

  // Focus moving out of the button and its list closes it.
  const onFocusOut = (e: FocusEvent) => {
    const to = e.relatedTarget as Node | null;
    if (open && to && wrap.current && !wrap.current.contains(to)) setOpen(false);
  };

  return (
    <div class={`te-cv-menu-wrap ${props.class ?? ''}`} ref={wrap} onKeyDown={onKeyDown} onFocusOut={onFocusOut}>
      <button
        ref={trigger}
        type="button"
        class={props.ariaLabel ? 'te-icon-button te-cv-kebab' : 'te-button'}
        aria-label={props.ariaLabel}
        title={props.ariaLabel}
        aria-expanded={open}
        aria-controls={menuId}
        data-testid={props.testId}
        onClick={() => setOpen(!open)}
      >
        {props.label}
      </button>
      <ul id={menuId} class={`te-cv-menu te-cv-menu-${props.align ?? 'end'}`} hidden={!open}>
        {props.items.map((item) => (
          <li key={item.label}>
            <button
              type="button"
              class={`te-cv-menu-item${item.danger ? ' is-danger' : ''}`}
              disabled={item.disabled}
              data-testid={item.testId}
              onClick={() => {
                setOpen(false);
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
