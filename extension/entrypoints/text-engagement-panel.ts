/**
 * The Text Engagement panel, built as its own script so the content script stays small: the
 * content script loads it (a dynamic import of this web-accessible file, which runs in the
 * content script's isolated world) the first time the Text Engagement tab is selected, and finds
 * its API on the isolated world's global.
 */
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { PANEL_API_KEY } from '../features/text-engagement-tab/api';
import { textEngagementPanelApi } from '../features/text-engagement-tab/mount';

export default defineUnlistedScript(() => {
  (globalThis as Record<string, unknown>)[PANEL_API_KEY] = textEngagementPanelApi;
});
