/**
 * Everything the extension needs to know about a host ATS page, behind one interface. Each host
 * variant (CXM, CRM) has one adapter; no selector for host markup lives anywhere else. One
 * contract test (hosts/contract.test.ts) runs against both adapters' fixture pages.
 */

export type PageKind = 'search' | 'profile' | 'other';

export interface CandidateRow {
  /** The candidate's ATS id. */
  id: string;
  /** The row element (stable for as long as the host keeps this render). */
  element: HTMLElement;
  /** The element holding the candidate's name: the phone symbol goes right after it. */
  nameElement: HTMLElement;
  /** The row's selection checkbox, if the row has one. */
  checkbox: HTMLInputElement | null;
}

/** One tab the extension added to the host's Messages tab strip. */
export interface InjectedTab {
  /** The tab element (role=tab), in the host's own markup so it looks native. */
  tab: HTMLElement;
  /** Our panel (role=tabpanel) in the host's content area: shown only while our tab is selected. */
  panel: HTMLElement;
  /** Selects our tab: deselects the host's tabs and hides the host's panels (the host does not). */
  select(): void;
  isSelected(): boolean;
  /** Removes the tab and panel; if ours was selected, the host tab selected before it is clicked again. */
  remove(): void;
}

export interface MessagesTabs {
  /** The inner tab strip of the profile's Messages tab (Email, ...). */
  strip: HTMLElement;
  /** The content area holding the host's panels (and ours). */
  content: HTMLElement;
  /**
   * Adds a tab after the host's own (replacing an earlier one with the same id). Selecting it
   * shows `panel`, deselects the host's tabs and hides their panels; clicking a host tab
   * deselects ours and hides our panel. `onSelect` reports both. Aborting `signal` removes it.
   */
  addTab(label: string, options: { id: string; signal: AbortSignal; onSelect(selected: boolean): void }): InjectedTab;
}

/**
 * What the host's profile page says about the candidate, read for "Add to Text Engagement".
 * Strings as the page shows them (the server normalises the phone); null when the page has none.
 */
export interface CandidateDetails {
  firstName: string;
  lastName: string;
  email: string | null;
  /** As the page shows it, e.g. "(212) 555-0101" or "+44 20 7946 0321". */
  phone: string | null;
  /** What kind of number the page says it is; null when it doesn't say. */
  phoneType: 'mobile' | 'landline' | null;
  jobTitle: string | null;
  location: string | null;
}

export interface HostAdapter {
  readonly name: 'cxm' | 'crm';
  /**
   * The host's own pages (match patterns, as in the manifest: its production hostnames). The
   * adapter runs nowhere else, whatever a page's markers say, apart from the demo pages while
   * they are allowed (hosts/allowed.ts).
   */
  readonly allowedPages: readonly string[];
  /** True on pages of this host, told by the page's own markers, never by its port (checked once per page load). */
  matches(location: Location, document: Document): boolean;
  /** What the current view is (changes on soft navigation). */
  pageKind(): PageKind;
  /**
   * What identifies the current view: the feature manager re-runs features when it changes.
   * Host state that only re-renders the same view (a search's page, sort or filter kept in the
   * query; a profile's selected tab kept in the hash) is not part of it.
   */
  viewKey(): string;
  /** The element to observe for re-renders of the current view (rows, tabs). */
  viewRoot(): HTMLElement | null;

  // Candidate search
  /** The rendered candidate rows, in display order (none while the grid is loading). */
  rows(): CandidateRow[];
  /** The results grid: the extension's notices about the search results go right before it. */
  resultsGrid(): HTMLElement | null;
  /** The select-all checkbox in the column header. */
  selectAllCheckbox(): HTMLInputElement | null;
  /** The host's bulk-action bar while it is shown (something is selected), else null. */
  bulkActionBar(): HTMLElement | null;
  /** Where the extension's bulk-action button goes inside the bar (appended to it). */
  bulkActionSlot(bar: HTMLElement): HTMLElement;

  // Candidate profile
  profileCandidateId(): string | null;
  /** The profile's name, contact details, job and location; null off a profile (or before it has rendered). */
  candidateDetails(): CandidateDetails | null;
  /** The Messages tab's inner strip, once the Messages tab is open; else null. */
  messagesTabs(): MessagesTabs | null;
}
