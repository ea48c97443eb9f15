/**
 * Bulk Text in candidate search: a "Bulk Text" button in the host's bulk-action bar whenever the
 * bar is shown (CXM creates a new bar for each selection, CRM shows and hides one), and, when it
 * is pressed, the Bulk Text Candidates popup for the selected rows (at most the page's 50).
 *
 * The popup itself (the whole campaign interface) is a separate script loaded on the first
 * press, so this content script stays small; it is rendered in a modal shadow root. Everything
 * hangs off the feature's AbortSignal.
 */
import { createShadowRootUi, type ShadowRootContentScriptUi } from 'wxt/utils/content-script-ui/shadow-root';
import { loadScript } from '../../lib/load-script';
import type { Feature } from '../manager';
import { observeView } from '../view-observer';
import { DIALOG_API_KEY, DIALOG_SCRIPT, type BulkTextDialogApi } from './api';
import { BUTTON_ATTR, createBulkTextButton } from './button';

/** The most a search page selects (the host shows 50 rows a page). */
export const MAX_SELECTED = 50;

/** Loads the popup's script once (it runs in this content script's isolated world). */
const loadDialog = () => loadScript<BulkTextDialogApi>(DIALOG_SCRIPT, DIALOG_API_KEY);

export const bulkText: Feature = {
  name: 'bulk-text',
  pages: ['search'],
  init({ adapter, ctx }, signal) {
    let button: HTMLButtonElement | null = null;
    let ui: ShadowRootContentScriptUi<() => void> | null = null;
    let opening = false;

    /** Puts our button in the bar while the bar is shown (a new CXM bar gets a new button). */
    function sync() {
      if (signal.aborted) return;
      const bar = adapter.bulkActionBar();
      if (!bar) return;
      const slot = adapter.bulkActionSlot(bar);
      if (button && slot.contains(button)) return;
      const existing = slot.querySelector<HTMLButtonElement>(`button[${BUTTON_ATTR}]`);
      existing?.remove(); // left by an earlier run of this feature (its listener is gone)
      button = createBulkTextButton(slot, (b) => void open(b));
      slot.append(button);
    }

    function selectedIds(): string[] {
      const ids: string[] = [];
      for (const row of adapter.rows()) if (row.checkbox?.checked && !ids.includes(row.id)) ids.push(row.id);
      return ids.slice(0, MAX_SELECTED);
    }

    async function open(from: HTMLButtonElement) {
      if (opening || ui || signal.aborted) return;
      const ids = selectedIds();
      if (!ids.length) return;
      opening = true;
      from.setAttribute('aria-busy', 'true');
      try {
        const api = await loadDialog();
        if (signal.aborted) return;
        const created = await createShadowRootUi<() => void>(ctx, {
          name: 'te-bulk-text',
          position: 'modal',
          // Closed: the host page's scripts see no shadowRoot, so they can't read or script the popup.
          mode: 'closed',
          zIndex: 2147483000,
          // Keys typed in the popup stay ours: the host's shortcuts never see them.
          isolateEvents: true,
          css: api.css,
          onMount: (container) => api.mount(container, { ids, onClose: close }),
          onRemove: (unmount) => unmount?.(),
        });
        if (signal.aborted) return;
        ui = created;
        created.mount();
      } catch (err) {
        console.error('[Text Engagement] Bulk Text could not open', err);
        from.title = 'Bulk Text could not open: reload the page and try again.';
      } finally {
        opening = false;
        from.removeAttribute('aria-busy');
      }
    }

    function close() {
      if (!ui) return;
      ui.remove();
      ui = null;
      // Focus goes back to Bulk Text (or, if the host re-rendered the bar meanwhile, the new one).
      sync();
      const target = button?.isConnected ? button : adapter.selectAllCheckbox();
      target?.focus();
    }

    const observer = observeView(adapter, ['hidden'], sync);

    signal.addEventListener(
      'abort',
      () => {
        observer.disconnect();
        ui?.remove();
        ui = null;
        button?.remove();
        button = null;
      },
      { once: true },
    );
    sync();
  },
};
