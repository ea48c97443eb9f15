/**
 * The "Text Engagement" tab in a profile's Messages tab: added to the host's inner tab strip
 * whenever the strip appears (CXM builds a new strip each time Messages is opened), and, while
 * selected, the conversation panel mounted in a shadow root inside the host's content area.
 *
 * The panel itself (conversation, composer, Ari, "Add to Text Engagement", "Record consent") is a
 * separate script loaded the first time the tab is selected, so this content script, which every
 * ATS page loads, stays small. Everything hangs off the feature's AbortSignal.
 */
import { createShadowRootUi, type ShadowRootContentScriptUi } from 'wxt/utils/content-script-ui/shadow-root';
import type { InjectedTab } from '../../hosts/types';
import { loadScript } from '../../lib/load-script';
import type { Feature } from '../manager';
import { observeView } from '../view-observer';
import { PANEL_API_KEY, PANEL_SCRIPT, type PanelSession, type TextEngagementPanelApi } from './api';

export const TEXT_ENGAGEMENT_TAB = 'Text Engagement';

/** Loads the panel's script once (it runs in this content script's isolated world). */
const loadPanel = () => loadScript<TextEngagementPanelApi>(PANEL_SCRIPT, PANEL_API_KEY);

export const textEngagementTab: Feature = {
  name: 'text-engagement-tab',
  pages: ['profile'],
  init({ adapter, ctx }, signal) {
    /** The shown candidate's panel (kept across re-mounts; a new candidate gets a new one). */
    let session: PanelSession | null = null;
    let current: { strip: HTMLElement; tab: InjectedTab; candidateId: string; controller: AbortController } | null = null;
    /** Where the panel goes: the injected tab's panel in the host's content area. */
    let anchor: HTMLElement | null = null;
    /** The injected tab is selected. */
    let wanted = false;
    let ui: ShadowRootContentScriptUi<HTMLElement> | null = null;
    let uiPromise: Promise<ShadowRootContentScriptUi<HTMLElement>> | null = null;
    let mounted = false;
    /** Shown in place of the panel while its script will not load. */
    let loadError: HTMLElement | null = null;

    /** The panel for `candidateId`: the current one, or a new one (which starts loading the conversation). */
    function sessionFor(api: TextEngagementPanelApi, candidateId: string): PanelSession {
      if (session?.candidateId === candidateId) return session;
      session?.dispose();
      session = api.session(candidateId, () => adapter.candidateDetails());
      return session;
    }

    function ensureUi(api: TextEngagementPanelApi) {
      uiPromise ??= createShadowRootUi<HTMLElement>(ctx, {
        name: 'te-conversation',
        position: 'inline',
        // Closed: the host page's scripts see no shadowRoot, so they can't read or script the panel.
        mode: 'closed',
        anchor: () => anchor,
        // Keys typed in the composer stay ours: the host's shortcuts never see them.
        isolateEvents: true,
        css: api.css,
        // apply() has made the session before it mounts.
        onMount(container) {
          session?.mount(container);
          return container;
        },
        onRemove(container) {
          if (container) session?.unmount(container);
        },
      });
      uiPromise.catch(() => (uiPromise = null)); // the next selection tries again
      return uiPromise;
    }

    /**
     * Brings the panel in line with `wanted` and `anchor` (re-mounting on a new anchor). The first
     * selection loads the panel's script; a selected tab's conversation starts loading even before
     * the panel has its place.
     */
    async function apply() {
      if (!ui && !wanted) return;
      let api: TextEngagementPanelApi;
      try {
        api = await loadPanel();
        ui ??= await ensureUi(api);
      } catch (err) {
        console.error('[Text Engagement] the Text Engagement panel could not load', err);
        showLoadError();
        return;
      }
      loadError?.remove();
      if (signal.aborted) return;
      if (wanted && current) sessionFor(api, current.candidateId);
      const show = wanted && !!anchor?.isConnected;
      if (mounted && (!show || ui.shadowHost.parentElement !== anchor)) {
        ui.remove();
        mounted = false;
      }
      if (show && !mounted) {
        ui.mount();
        mounted = true;
      }
    }

    /** Says in the tab's panel that the panel's script would not load (the next selection tries again). */
    function showLoadError() {
      if (!wanted || !anchor?.isConnected) return;
      if (!loadError) {
        loadError = document.createElement('p');
        loadError.setAttribute('role', 'alert');
        loadError.textContent = 'Text Engagement could not load here: reload the page. If it keeps happening, reload the extension.';
        loadError.style.cssText = 'margin:16px;font:14px/1.4 system-ui,sans-serif;color:#b42318';
      }
      if (loadError.parentElement !== anchor) anchor.append(loadError);
    }

    function dropTab() {
      if (!current) return;
      current.controller.abort();
      current.tab.remove();
      current = null;
      anchor = null;
      wanted = false;
    }

    function sync() {
      if (signal.aborted) return;
      // The host threw the strip away (CXM re-creates it) or gave us a different one.
      if (current && !current.tab.tab.isConnected) dropTab();
      const tabs = adapter.messagesTabs();
      if (current && tabs && tabs.strip !== current.strip) dropTab();
      if (!current && tabs) {
        const candidateId = adapter.profileCandidateId();
        if (candidateId) {
          const controller = new AbortController();
          let injected: InjectedTab | null = null;
          injected = tabs.addTab(TEXT_ENGAGEMENT_TAB, {
            id: 'te-text-engagement',
            signal: controller.signal,
            onSelect(selected) {
              wanted = selected;
              anchor = injected?.panel ?? anchor;
              void apply();
            },
          });
          current = { strip: tabs.strip, tab: injected, candidateId, controller };
          anchor = injected.panel;
          wanted = injected.isSelected();
        }
      }
      void apply();
    }

    const observer = observeView(adapter, ['hidden', 'class', 'aria-selected'], sync);

    signal.addEventListener(
      'abort',
      () => {
        observer.disconnect();
        dropTab();
        if (mounted) ui?.remove();
        mounted = false;
        loadError?.remove();
        session?.dispose();
        session = null;
      },
      { once: true },
    );
    sync();
  },
};
