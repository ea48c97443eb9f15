/**
 * The Bulk Text Candidates popup, built as its own script so the content script stays small:
 * the content script loads it (a dynamic import of this web-accessible file, which runs in the
 * content script's isolated world) only when Bulk Text is pressed, and finds its API on the
 * isolated world's global.
 */
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { DIALOG_API_KEY } from '../features/bulk-text/api';
import { bulkTextDialogApi } from '../features/bulk-text/dialog/mount';

export default defineUnlistedScript(() => {
  (globalThis as Record<string, unknown>)[DIALOG_API_KEY] = bulkTextDialogApi;
});
