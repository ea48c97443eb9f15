/**
 * The behaviour of a tab the extension adds to a host's tab strip, shared by the adapters. The
 * host's markup (which elements are its tabs and panels, how it marks one selected or shown) is
 * passed in by each adapter: no host selector lives here.
 */
import type { InjectedTab, MessagesTabs } from './types';

export interface TabStripMarkup {
  /** A tab in the host's markup: `tab` is the role=tab element, `node` what goes into the strip. */
  createTab(label: string, id: string): { tab: HTMLElement; node: HTMLElement };
  /** A panel in the host's markup, appended to the content area. */
  createPanel(id: string): HTMLElement;
  /** The host's own tabs in the strip (not ours). */
  hostTabs(strip: HTMLElement): HTMLElement[];
  /** The host's own panels in the content area (not ours). */
  hostPanels(content: HTMLElement): HTMLElement[];
  setTabSelected(tab: HTMLElement, selected: boolean): void;
  setPanelShown(panel: HTMLElement, shown: boolean): void;
}

export function messagesTabs(strip: HTMLElement, content: HTMLElement, markup: TabStripMarkup): MessagesTabs {
  return {
    strip,
    content,
    addTab: (label, options) => addTab(strip, content, markup, label, options),
  };
}

function addTab(
  strip: HTMLElement,
  content: HTMLElement,
  markup: TabStripMarkup,
  label: string,
  { id, signal, onSelect }: { id: string; signal: AbortSignal; onSelect(selected: boolean): void },
): InjectedTab {
  // Never two: an earlier tab with this id (from a previous run) goes first.
  for (const old of strip.querySelectorAll<HTMLElement>('[data-te-tab]')) if (old.dataset.teTab === id) old.remove();
  for (const old of content.querySelectorAll<HTMLElement>('[data-te-panel]')) if (old.dataset.tePanel === id) old.remove();

  const { tab, node } = markup.createTab(label, id);
  node.dataset.teTab = id;
  tab.id = `te-tab-${id}`;
  tab.setAttribute('role', 'tab');
  tab.setAttribute('aria-controls', `te-panel-${id}`);
  markup.setTabSelected(tab, false);

  const panel = markup.createPanel(id);
  panel.dataset.tePanel = id;
  panel.id = `te-panel-${id}`;
  panel.setAttribute('role', 'tabpanel');
  panel.setAttribute('aria-labelledby', tab.id);
  markup.setPanelShown(panel, false);

  strip.append(node);
  content.append(panel);

  let selected = false;
  /** The host tab that was selected when ours was, restored if ours goes away while selected. */
  let previous: HTMLElement | null = null;

  function select() {
    if (selected || signal.aborted) return;
    const hostTabs = markup.hostTabs(strip);
    previous = hostTabs.find((t) => t.getAttribute('aria-selected') === 'true') ?? previous ?? hostTabs[0] ?? null;
    for (const t of hostTabs) markup.setTabSelected(t, false);
    for (const p of markup.hostPanels(content)) markup.setPanelShown(p, false);
    markup.setTabSelected(tab, true);
    markup.setPanelShown(panel, true);
    selected = true;
    onSelect(true);
  }

  function deselect() {
    if (!selected) return;
    markup.setTabSelected(tab, false);
    markup.setPanelShown(panel, false);
    selected = false;
    onSelect(false);
  }

  tab.addEventListener(
    'click',
    (event) => {
      event.preventDefault();
      select();
    },
    { signal },
  );
  // A click on one of the host's tabs: the host selects it and shows its panel; ours must let go.
  strip.addEventListener(
    'click',
    (event) => {
      const target = event.target instanceof Element ? event.target.closest('[role="tab"]') : null;
      if (!target || target === tab || !strip.contains(target)) return;
      if (markup.hostTabs(strip).includes(target as HTMLElement)) deselect();
    },
    { signal },
  );

  function remove() {
    const wasSelected = selected;
    selected = false;
    node.remove();
    panel.remove();
    // Give the host its own selection back (it would otherwise show no tab at all).
    if (wasSelected && previous?.isConnected) previous.click();
  }
  signal.addEventListener('abort', remove, { once: true });

  return { tab, panel, select, isSelected: () => selected, remove };
}
