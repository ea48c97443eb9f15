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
  /** The tab element, in the host's own markup so it looks native. */
  tab: HTMLElement;
  /** Where our panel goes while the tab is selected (the host's content is hidden, not removed). */
  panel: HTMLElement;
  select(): void;
  isSelected(): boolean;
  remove(): void;
}

export interface MessagesTabs {
  /** The inner tab strip of the profile's Messages tab (Email, ...). */
  strip: HTMLElement;
  /** Adds a tab after the host's own; selecting it shows `panel` and deselects the host's tabs. */
  addTab(label: string, options: { id: string; signal: AbortSignal; onSelect(selected: boolean): void }): InjectedTab;
}

export interface HostAdapter {
  readonly name: 'cxm' | 'crm';
  /** True on pages of this host (checked once per page load). */
  matches(location: Location, document: Document): boolean;
  /** What the current view is (changes on soft navigation). */
  pageKind(): PageKind;
  /** The element to observe for re-renders of the current view (rows, tabs). */
  viewRoot(): HTMLElement | null;

  // Candidate search
  rows(): CandidateRow[];
  /** The select-all checkbox in the column header. */
  selectAllCheckbox(): HTMLInputElement | null;
  /** The host's bulk-action bar while it is shown (something is selected), else null. */
  bulkActionBar(): HTMLElement | null;
  /** Where the extension's bulk-action button goes inside the bar (appended to it). */
  bulkActionSlot(bar: HTMLElement): HTMLElement;

  // Candidate profile
  profileCandidateId(): string | null;
  /** The Messages tab's inner strip, once the Messages tab is open; else null. */
  messagesTabs(): MessagesTabs | null;
}
