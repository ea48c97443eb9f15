/**
 * What the content script's Text Engagement tab and the panel (a separate script, loaded the
 * first time the tab is selected, so the content script every ATS page loads stays small) agree on.
 */
import type { CandidateDetails } from '../../hosts/types';

/** The panel's script is served from the extension at this path (web-accessible to the host pages). */
export const PANEL_SCRIPT = '/text-engagement-panel.js';
/** Where the loaded script leaves its API, on the content script's own (isolated) global. */
export const PANEL_API_KEY = '__teTextEngagementPanel';

/**
 * One candidate's panel: their conversation, "Add to Text Engagement" and "Record consent". It
 * starts loading the conversation at once and lives until disposed, across mounts (the host may
 * give the panel a new place, as CXM does with a new tab strip).
 */
export interface PanelSession {
  readonly candidateId: string;
  /** Renders the panel into the shadow root's container (the panel is open). */
  mount(container: HTMLElement): void;
  /** Takes it out again (the panel is closed; the session keeps its state). */
  unmount(container: HTMLElement): void;
  /** Ends the session: its requests and live updates stop. */
  dispose(): void;
}

export interface TextEngagementPanelApi {
  /** The panel's stylesheet, for its shadow root. */
  css: string;
  /** `readDetails`: what the host page shows of the candidate, for "Add to Text Engagement". */
  session(candidateId: string, readDetails: () => CandidateDetails | null): PanelSession;
}
