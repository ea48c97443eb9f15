/**
 * The CXM host: a single-page app (one document, views swapped by history.pushState).
 *
 * The selectors follow the demo replica in fixtures/hosts/cxm (its DOM contract is in
 * fixtures/hosts/README.md), not real iCIMS CXM pages, which were not available: against the
 * real product, this file (and only this file) is what changes.
 */
import { ownTexts, phoneTypeOf, textOf } from './details';
import { markedBy, searchPage, type SearchMarkup } from './page';
import { CXM_PAGES } from './pages';
import { messagesTabs, type TabStripMarkup } from './tab-strip';
import type { HostAdapter, PageKind } from './types';

/** The page's markers: `<meta name="application-name" content="CXM">` and `<body class="cxm">`. */
const APPLICATION_NAME = 'CXM';
const BODY_CLASS = 'cxm';

const MAIN = '#cxm-main';
const SEARCH: SearchMarkup = {
  rows: {
    rows: '#cxm-main table.cxm-grid > tbody > tr[data-person-id]',
    idAttribute: 'data-person-id',
    name: 'a.cxm-person__link',
    checkbox: 'input.cxm-row-check[type=checkbox]',
  },
  grid: '#cxm-main table.cxm-grid',
  selectAll: '#cxm-main table.cxm-grid > thead input.cxm-select-all',
  // Created when the selection becomes non-empty, removed when it empties.
  bulkBar: '#cxm-main .cxm-bulk-slot > .cxm-bulkbar',
  bulkSlot: '.cxm-bulkbar__actions',
};
const PROFILE = '#cxm-main > section.cxm-profile[data-person-id]';
/** Inside the profile: the header's name parts, contact list and headline ("job · location"). */
const PROFILE_GIVEN_NAME = 'h1.cxm-profile__name .cxm-profile__given-name';
const PROFILE_FAMILY_NAME = 'h1.cxm-profile__name .cxm-profile__family-name';
const PROFILE_EMAIL = 'a.cxm-profile__email';
/** The number is the element's own text; a muted child says "(Mobile)" or "(Home)". */
const PROFILE_PHONE = '.cxm-profile__phone';
const PROFILE_PHONE_TYPE = '.cxm-muted';
/** Job title and location are its own text nodes, between icons and a dot. */
const PROFILE_HEADLINE = 'p.cxm-profile__headline';
const MESSAGES_STRIP = '#cxm-tabpanel[data-tab="messages"] ul.cxm-subtabs[role=tablist]';
const MESSAGES_CONTENT = '#cxm-tabpanel[data-tab="messages"] .cxm-subtab-content';

const tabMarkup: TabStripMarkup = {
  createTab(label) {
    const node = document.createElement('li');
    node.setAttribute('role', 'presentation');
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.className = 'cxm-subtab';
    tab.textContent = label;
    node.append(tab);
    return { tab, node };
  },
  createPanel() {
    const panel = document.createElement('div');
    panel.className = 'cxm-subpanel';
    return panel;
  },
  hostTabs: (strip) => [...strip.querySelectorAll<HTMLElement>('button.cxm-subtab[role=tab][data-channel]')],
  hostPanels: (content) => [...content.querySelectorAll<HTMLElement>(':scope > .cxm-subpanel[role=tabpanel][data-channel]')],
  setTabSelected: (tab, selected) => tab.setAttribute('aria-selected', String(selected)),
  setPanelShown: (panel, shown) => {
    panel.hidden = !shown;
  },
};

export const cxm: HostAdapter = {
  name: 'cxm',

  allowedPages: CXM_PAGES,

  matches: markedBy(APPLICATION_NAME, BODY_CLASS),

  pageKind(): PageKind {
    const view = document.querySelector<HTMLElement>(MAIN)?.dataset.view;
    return view === 'search' || view === 'profile' ? view : 'other';
  },

  // Every CXM view is its own path (/cxm/candidates, /cxm/candidates/10001).
  viewKey: () => location.pathname,

  viewRoot: () => document.querySelector<HTMLElement>(MAIN),

  ...searchPage(SEARCH),

  profileCandidateId() {
    if (cxm.pageKind() !== 'profile') return null;
    return document.querySelector(PROFILE)?.getAttribute('data-person-id') || null;
  },

  // The header is there whichever profile tab is open (the tabs' content is mounted one at a time).
  candidateDetails() {
    if (cxm.pageKind() !== 'profile') return null;
    const profile = document.querySelector(PROFILE);
    const given = profile?.querySelector(PROFILE_GIVEN_NAME);
    if (!profile || !given) return null;
    const phone = profile.querySelector(PROFILE_PHONE);
    const [jobTitle, location] = ownTexts(profile.querySelector(PROFILE_HEADLINE) ?? profile.ownerDocument.createElement('p'));
    return {
      firstName: given.textContent?.trim() ?? '',
      lastName: profile.querySelector(PROFILE_FAMILY_NAME)?.textContent?.trim() ?? '',
      email: textOf(profile.querySelector(PROFILE_EMAIL)),
      phone: phone ? (ownTexts(phone)[0] ?? null) : null,
      phoneType: phone ? phoneTypeOf(phone.querySelector(PROFILE_PHONE_TYPE)?.textContent) : null,
      jobTitle: jobTitle ?? null,
      location: location ?? null,
    };
  },

  // Only the open tab's content is mounted: the strip is a new element each time Messages opens.
  messagesTabs() {
    const strip = document.querySelector<HTMLElement>(MESSAGES_STRIP);
    const content = document.querySelector<HTMLElement>(MESSAGES_CONTENT);
    return strip && content ? messagesTabs(strip, content, tabMarkup) : null;
  },
};
