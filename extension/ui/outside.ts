/**
 * "A press anywhere else closes it", for menus inside our UI, which lives in closed shadow roots
 * on the host page. A listener on the document sees a press inside a closed root retargeted to
 * its shadow host, with a path that stops there: it can't tell the menu from the rest of our UI.
 * So the document's listener settles presses outside our UI (on the host page: close), and the
 * shadow root's own listener, which sees the whole path, settles those inside it.
 */

/**
 * Calls `onOutside` when the pointer is pressed anywhere but on `inside()` (the menu, and its
 * trigger if pressing it again should not count). Returns the function that stops listening.
 */
export function onPointerDownOutside(inside: () => (Element | null | undefined)[], onOutside: () => void): () => void {
  const anchor = inside().find((el): el is Element => !!el);
  const root = anchor?.getRootNode();
  const shadow = root && root !== document && 'host' in root ? (root as ShadowRoot) : null;
  const check = (e: Event) => {
    const path = e.composedPath();
    if (inside().some((el) => !!el && path.includes(el))) return;
    // The document's view of a press inside our shadow root: the root's listener decides.
    if (shadow && e.currentTarget !== shadow && path.includes(shadow.host)) return;
    onOutside();
  };
  document.addEventListener('pointerdown', check, true);
  shadow?.addEventListener('pointerdown', check, true);
  return () => {
    document.removeEventListener('pointerdown', check, true);
    shadow?.removeEventListener('pointerdown', check, true);
  };
}
