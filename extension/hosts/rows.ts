/** Reading a host's result rows, given where that host keeps each part of a row. */
import type { CandidateRow } from './types';

export interface RowMarkup {
  /** Every candidate row of the results. */
  rows: string;
  /** The row's attribute holding the ATS candidate id. */
  idAttribute: string;
  /** The candidate's name (the profile link) inside a row. */
  name: string;
  /** The row's selection checkbox, if it has one. */
  checkbox: string;
}

/** The rows that carry an id and a name; others (headers, placeholders) are skipped. */
export function candidateRows(markup: RowMarkup): CandidateRow[] {
  const rows: CandidateRow[] = [];
  for (const element of document.querySelectorAll<HTMLElement>(markup.rows)) {
    const id = element.getAttribute(markup.idAttribute);
    const nameElement = element.querySelector<HTMLElement>(markup.name);
    if (!id || !nameElement) continue;
    rows.push({ id, element, nameElement, checkbox: element.querySelector<HTMLInputElement>(markup.checkbox) });
  }
  return rows;
}
