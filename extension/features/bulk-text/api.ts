/**
 * What the content script and the Bulk Text Candidates popup (a separate script, loaded only
 * when Bulk Text is pressed, so the content script stays small) agree on.
 */

/** The popup's script is served from the extension at this path (web-accessible to the host pages). */
export const DIALOG_SCRIPT = '/bulk-text-dialog.js';
/** Where the loaded script leaves its API, on the content script's own (isolated) global. */
export const DIALOG_API_KEY = '__teBulkTextDialog';

export interface BulkTextDialogProps {
  /** The ATS ids of the selected rows, in display order (at most 50). */
  ids: string[];
  /** Closes the popup (Esc, the Close button, or a deleted campaign). */
  onClose(): void;
}

export interface BulkTextDialogApi {
  /** The popup's stylesheet, for its shadow root. */
  css: string;
  /** Renders the popup into the shadow root's container; returns its unmount. */
  mount(container: HTMLElement, props: BulkTextDialogProps): () => void;
}
