/**
 * The "Text Engagement" tab in a profile's Messages tab: added to the host's inner tab strip
 * whenever the strip appears (CXM builds a new strip each time Messages is opened), and, while
 * selected, the conversation panel mounted in a shadow root inside the host's content area.
 * Everything hangs off the feature's AbortSignal.
 */
import { h, render } from 'preact';
import { createShadowRootUi, type ShadowRootContentScriptUi } from 'wxt/utils/content-script-ui/shadow-root';
import type { InjectedTab } from '../../hosts/types';
import '../../ui/theme.css';
import type { Feature } from '../manager';
import { observeView } from '../view-observer';
import './panel.css';
import { createCaptureStore, type CaptureStore } from './capture/store';
import { createConsentStore, type ConsentStore } from './consent/store';
import { Panel } from './Panel';
import { createConversationStore, type ConversationStore } from './store';

export const TEXT_ENGAGEMENT_TAB = 'Text Engagement';

export const textEngagementTab: Feature = {
  name: 'text-engagement-tab',
  pages: ['profile'],
  init({ adapter, ctx }, signal) {
    let store: ConversationStore | null = null;
    /** "Add to Text Engagement" for the same candidate, should the server not know them. */
    let capture: CaptureStore | null = null;
    /** "Record consent" for them, should they be known but without consent; and where their consent came from. */
    let consent: ConsentStore | null = null;
    let storeController: AbortController | null = null;
    let current: { strip: HTMLElement; tab: InjectedTab; controller: AbortController } | null = null;
    /** Where the panel goes: the injected tab's panel in the host's content area. */
    let anchor: HTMLElement | null = null;
    /** The injected tab is selected. */
    let wanted = false;
    let ui: ShadowRootContentScriptUi<HTMLElement> | null = null;
    let uiPromise: Promise<ShadowRootContentScriptUi<HTMLElement>> | null = null;
    let mounted = false;

    function storeFor(candidateId: string): ConversationStore {
      if (store?.candidateId === candidateId) return store;
      storeController?.abort();
      storeController = new AbortController();
      const adding = createCaptureStore({ candidateId, readDetails: () => adapter.candidateDetails(), onSaved: (saved) => conversation.added(saved) });
      const conversation = createConversationStore(candidateId, storeController.signal, { addFormDirty: () => adding.dirty.peek() });
      store = conversation;
      capture = adding;
      consent = createConsentStore({
        candidateId,
        candidate: conversation.candidate,
        onRecorded: (saved) => conversation.changed(saved),
        signal: storeController.signal,
      });
      void conversation.reload();
      return conversation;
    }

    function ensureUi() {
      uiPromise ??= createShadowRootUi<HTMLElement>(ctx, {
        name: 'te-conversation',
        position: 'inline',
        // Closed: the host page's scripts see no shadowRoot, so they can't read or script the panel.
        mode: 'closed',
        anchor: () => anchor,
        // Keys typed in the composer stay ours: the host's shortcuts never see them.
        isolateEvents: true,
        onMount(container) {
          const id = adapter.profileCandidateId();
          const s = id ? storeFor(id) : store;
          if (s && capture && consent) {
            render(h(Panel, { store: s, capture, consent }), container);
            s.setOpen(true);
          }
          return container;
        },
        onRemove(container) {
          if (container) render(null, container);
          store?.setOpen(false);
        },
      });
      return uiPromise;
    }

    /** Brings the mounted state in line with `wanted` and `anchor` (re-mounting on a new anchor). */
    async function apply() {
      if (!ui) {
        if (!wanted) return;
        ui = await ensureUi();
      }
      if (signal.aborted) return;
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
              if (selected) storeFor(candidateId);
              void apply();
            },
          });
          current = { strip: tabs.strip, tab: injected, controller };
          anchor = injected.panel;
          if (injected.isSelected()) {
            wanted = true;
            storeFor(candidateId);
          }
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
        storeController?.abort();
      },
      { once: true },
    );
    sync();
  },
};
