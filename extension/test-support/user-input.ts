/**
 * A person's click or key press, for the extension's unit tests. The browser marks the events it
 * makes from real input `isTrusted`; a script's (`el.click()`, `dispatchEvent`) never are, and a
 * test DOM (happy-dom) can make only those. These helpers dispatch the same events with the flag
 * set on that one event, so a test can tell the person's input from a script's
 * (ui/trusted.ts). A script in a real page can't do this: there `isTrusted` can't be redefined.
 */

function trusted<E extends Event>(event: E): E {
  Object.defineProperty(event, 'isTrusted', { value: true });
  return event;
}

/** A person clicks `el` (or presses Enter or Space on it: the browser makes that a click too). */
export function userClick(el: Element): void {
  el.dispatchEvent(trusted(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true })));
}

/** A person presses `key` (with `modifiers`) while `el` has the focus. */
export function userKeyDown(el: Element, key: string, modifiers: Pick<KeyboardEventInit, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'> = {}): void {
  el.dispatchEvent(trusted(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, composed: true, ...modifiers })));
}
