/**
 * Keeps keyboard focus inside a modal dialog rendered in a shadow root: Tab from the last
 * control goes to the first, Shift+Tab from the first to the last, and focus that ends up on the
 * page (an element removed under it, a click outside) comes back on the next Tab or focus move.
 */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function focusables(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0 && el.tabIndex >= 0);
}

export function trapFocus(dialog: HTMLElement): () => void {
  const root = dialog.getRootNode();
  const host = root instanceof ShadowRoot ? (root.host as HTMLElement) : null;
  const activeInside = () => (root instanceof ShadowRoot ? root.activeElement : document.activeElement) as HTMLElement | null;

  /** Focus from outside the dialog: to its first (or, with Shift, last) control. */
  function enter(e: KeyboardEvent) {
    const list = focusables(dialog);
    e.preventDefault();
    (e.shiftKey ? list[list.length - 1] : list[0])?.focus();
  }

  /** Tab inside: the browser moves focus, except at the ends, where it wraps around. */
  function move(e: KeyboardEvent) {
    const list = focusables(dialog);
    const current = activeInside();
    if (!list.length || !current || !dialog.contains(current)) return enter(e);
    const first = list[0]!;
    const last = list[list.length - 1]!;
    let wrapTo: HTMLElement | null = null;
    if (!e.shiftKey && current === last) wrapTo = first;
    else if (e.shiftKey && current === first) wrapTo = last;
    else if (!list.includes(current)) {
      // Something outside the tab order (a heading with tabindex=-1): wrap if nothing lies that way.
      const after = list.findIndex((el) => !!(current.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
      if (!e.shiftKey && after < 0) wrapTo = first;
      else if (e.shiftKey && after === 0) wrapTo = last;
    }
    if (wrapTo) {
      e.preventDefault();
      wrapTo.focus();
    }
  }

  const onDialogKey = (e: KeyboardEvent) => {
    if (e.key === 'Tab' && !e.altKey && !e.ctrlKey && !e.metaKey) move(e);
  };
  // Focus lost to the page: the next Tab comes back into the dialog.
  const onDocumentKey = (e: KeyboardEvent) => {
    if (e.key === 'Tab' && host && document.activeElement !== host) {
      e.stopPropagation();
      enter(e);
    }
  };
  const onFocusIn = (e: FocusEvent) => {
    if (host && e.target instanceof Node && e.target !== host && !host.contains(e.target)) focusables(dialog)[0]?.focus();
  };
  dialog.addEventListener('keydown', onDialogKey);
  document.addEventListener('keydown', onDocumentKey, true);
  document.addEventListener('focusin', onFocusIn, true);
  return () => {
    dialog.removeEventListener('keydown', onDialogKey);
    document.removeEventListener('keydown', onDocumentKey, true);
    document.removeEventListener('focusin', onFocusIn, true);
  };
}
