/** The message-template button and its small menu (keyboard: arrows, Home/End, Escape). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Template } from '../../../shared/api';
import { TemplateIcon } from './icons';

export function TemplateMenu({ templates, onPick, disabled }: { templates: Template[]; onPick(t: Template): void; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const items = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? [])];

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    // A click anywhere else closes it (events from the page arrive retargeted, so use the path).
    const away = (e: Event) => {
      const path = e.composedPath();
      if (!path.includes(menu.current!) && !path.includes(trigger.current!)) setOpen(false);
    };
    document.addEventListener('pointerdown', away, true);
    return () => document.removeEventListener('pointerdown', away, true);
  }, [open]);

  const close = (focusTrigger: boolean) => {
    setOpen(false);
    if (focusTrigger) trigger.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const list = items();
    const i = list.indexOf(e.target as HTMLButtonElement);
    let next = -1;
    if (e.key === 'ArrowDown') next = (i + 1) % list.length;
    else if (e.key === 'ArrowUp') next = (i - 1 + list.length) % list.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = list.length - 1;
    else if (e.key === 'Escape') {
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
        aria-label="Insert a message template"
        title="Insert a message template"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen(!open)}
      >
        <TemplateIcon />
        <span class="te-conv-tool-text">Template</span>
      </button>
      {open && (
        <div ref={menu} class="te-conv-menu" role="menu" aria-label="Message templates" onKeyDown={onKeyDown}>
          {templates.length === 0 ? (
            <p class="te-conv-menu-empty">Your organization has no message templates yet.</p>
          ) : (
            templates.map((t) => (
              <button
                key={t.id}
                type="button"
                role="menuitem"
                class="te-conv-menu-item"
                onClick={() => {
                  onPick(t);
                  close(false);
                }}
              >
                <span class="te-conv-menu-name">
                  {t.name}
                  {t.whatsappApproved && <span class="te-conv-tag">WhatsApp approved</span>}
                </span>
                <span class="te-conv-menu-body">{t.body}</span>
              </button>
            ))
          )}
        </div>
      )}
    </div>
  );
}
