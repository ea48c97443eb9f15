/**
 * Watches the host's view for re-renders: `onChange` runs once per burst of mutations (a host
 * re-render is many), in a microtask after them, never by polling. Nodes added or removed
 * anywhere under the view root count, and changes to the listed attributes (a host shows and
 * hides its parts with them).
 */
import type { HostAdapter } from '../hosts/types';

export function observeView(adapter: HostAdapter, attributeFilter: string[], onChange: () => void): MutationObserver {
  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      onChange();
    });
  });
  observer.observe(adapter.viewRoot() ?? document.body, { childList: true, subtree: true, attributes: true, attributeFilter });
  return observer;
}
