/** What every host's adapter reads the same way, given that host's own markers and selectors. */
import { candidateRows, type RowMarkup } from './rows';
import type { HostAdapter } from './types';

/** A host's pages are told by their own markers: `<meta name="application-name" content="…">` and a class on `<body>`. */
export function markedBy(applicationName: string, bodyClass: string): HostAdapter['matches'] {
  return (_location, doc) =>
    doc.querySelector('meta[name="application-name"]')?.getAttribute('content') === applicationName && !!doc.body?.classList.contains(bodyClass);
}

export interface SearchMarkup {
  rows: RowMarkup;
  /** The results grid. */
  grid: string;
  /** The select-all checkbox in the grid's header. */
  selectAll: string;
  /** The bulk-action bar, matching only while it is shown. */
  bulkBar: string;
  /** Inside the bar, where its buttons are. */
  bulkSlot: string;
}

/** The search page's parts, found by a host's selectors. */
export function searchPage(markup: SearchMarkup): Pick<HostAdapter, 'rows' | 'resultsGrid' | 'selectAllCheckbox' | 'bulkActionBar' | 'bulkActionSlot'> {
  return {
    rows: () => candidateRows(markup.rows),
    resultsGrid: () => document.querySelector<HTMLElement>(markup.grid),
    selectAllCheckbox: () => document.querySelector<HTMLInputElement>(markup.selectAll),
    bulkActionBar: () => document.querySelector<HTMLElement>(markup.bulkBar),
    bulkActionSlot: (bar) => bar.querySelector<HTMLElement>(markup.bulkSlot) ?? bar,
  };
}
