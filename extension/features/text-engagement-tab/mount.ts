/** The Text Engagement panel's entry: its stylesheet and its sessions (see ./api.ts). */
import { h, render } from 'preact';
import themeCss from '../../ui/theme.css?inline';
import type { TextEngagementPanelApi } from './api';
import { createCaptureStore } from './capture/store';
import { createConsentStore } from './consent/store';
import { Panel } from './Panel';
import panelCss from './panel.css?inline';
import { createConversationStore } from './store';

export const textEngagementPanelApi: TextEngagementPanelApi = {
  css: [themeCss, panelCss].join('\n'),
  session(candidateId, readDetails) {
    const life = new AbortController();
    const capture = createCaptureStore({ candidateId, readDetails, onSaved: (saved) => conversation.added(saved) });
    const conversation = createConversationStore(candidateId, life.signal, { addFormDirty: () => capture.dirty.peek() });
    const consent = createConsentStore({
      candidateId,
      candidate: conversation.candidate,
      onRecorded: (saved) => conversation.changed(saved),
      signal: life.signal,
    });
    void conversation.reload();
    return {
      candidateId,
      mount(container) {
        render(h(Panel, { store: conversation, capture, consent }), container);
        conversation.setOpen(true);
      },
      unmount(container) {
        render(null, container);
        conversation.setOpen(false);
      },
      dispose: () => life.abort(),
    };
  },
};
