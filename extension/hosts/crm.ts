/**
 * The CRM host: a multi-page site (search and profile are separate documents); paging and
 * sorting re-render the rows in place and keep their state in the query with replaceState.
 *
 * The selectors follow the demo replica in fixtures/hosts/crm (its DOM contract is in
 * fixtures/hosts/README.md), not real iCIMS CRM pages, which were not available: against the
 * real product, this file (and only this file) is what changes.
 */
import { phoneTypeOf, textOf } from './details';
import { markedBy, searchPage, type SearchMarkup } from './page';
import { CRM_PAGES } from './pages';
import { messagesTabs, type TabStripMarkup } from './tab-strip';
import type { HostAdapter, PageKind } from './types';

/** The page's markers: `<meta name="application-name" content="Talent CRM">` and `<body class="crm">`. */
const APPLICATION_NAME = 'Talent CRM';
const BODY_CLASS = 'crm';

const SEARCH_ROOT = '#crm-content';
const PROFILE_ROOT = '#crm-profile-root';
const SEARCH: SearchMarkup = {
  rows: {
    rows: '.crm-results[role=grid] > .crm-results__body[role=rowgroup] > .crm-record[role=row][data-candidate-ref]',
    idAttribute: 'data-candidate-ref',
    name: 'a.crm-record__name',
    checkbox: 'input.crm-record__check[type=checkbox]',
  },
  grid: '.crm-results[role=grid]',
  selectAll: '#crm-select-page',
  // Always in the document; `hidden` while nothing is selected.
  bulkBar: '.crm-bulk-actions:not([hidden])',
  bulkSlot: '.crm-bulk-actions__buttons',
};
const PROFILE = '#crm-profile-root article.crm-profile[data-candidate-ref]';
/**
 * The Profile tab's boxes (rendered once, present while another tab shows): label/value rows,
 * `div > dt + dd`, named "First name", "Last name", "Email", "Phone", "Location", "Job".
 */
const PROFILE_DETAIL_LABELS = '.crm-tab-panel[data-tab-panel="profile"] dl.crm-details > div > dt';
/** The header's contact rows, same shape: its "Phone" says the kind, "(212) 555-0101 · mobile". */
const HEADER_CONTACT_LABELS = '.crm-profile__head dl.crm-profile__contact > div > dt';
/** Between the number and its kind in the header's Phone row. */
const PHONE_TYPE_SEPARATOR = ' · ';
/** The strip exists (hidden) before Messages is opened: open = its section is not hidden. */
const MESSAGES_STRIP = 'section.crm-tab-panel[data-tab-panel="messages"]:not([hidden]) nav.crm-subtabs[role=tablist]';
const MESSAGES_CONTENT_CLASS = 'crm-subtab-body';

const tabMarkup: TabStripMarkup = {
  createTab(label, id) {
    const tab = document.createElement('a');
    tab.className = 'crm-subtab';
    tab.href = `#${id}`;
    tab.textContent = label;
    return { tab, node: tab };
  },
  createPanel() {
    const panel = document.createElement('section');
    panel.className = 'crm-pane';
    return panel;
  },
  hostTabs: (strip) => [...strip.querySelectorAll<HTMLElement>(':scope > a.crm-subtab[role=tab][data-subtab]')],
  hostPanels: (content) => [...content.querySelectorAll<HTMLElement>(':scope > section.crm-pane[data-pane]')],
  setTabSelected(tab, selected) {
    tab.classList.toggle('is-active', selected);
    tab.setAttribute('aria-selected', String(selected));
  },
  setPanelShown: (panel, shown) => panel.classList.toggle('is-active', shown),
};

const pageAttr = () => document.body?.dataset.crmPage;

export const crm: HostAdapter = {
  name: 'crm',

  allowedPages: CRM_PAGES,

  matches: markedBy(APPLICATION_NAME, BODY_CLASS),

  pageKind(): PageKind {
    const page = pageAttr();
    return page === 'search' || page === 'profile' ? page : 'other';
  },

  // The search's page/sort/filter (query) and the profile's tab (hash) re-render the same view.
  viewKey() {
    if (crm.pageKind() === 'profile') return `${location.pathname}?id=${new URLSearchParams(location.search).get('id') ?? ''}`;
    return location.pathname;
  },

  viewRoot() {
    const kind = crm.pageKind();
    return document.querySelector<HTMLElement>(kind === 'profile' ? PROFILE_ROOT : SEARCH_ROOT);
  },

  ...searchPage(SEARCH),

  profileCandidateId() {
    if (crm.pageKind() !== 'profile') return null;
    return document.querySelector(PROFILE)?.getAttribute('data-candidate-ref') || null;
  },

  candidateDetails() {
    if (crm.pageKind() !== 'profile') return null;
    const profile = document.querySelector(PROFILE);
    if (!profile) return null;
    /** The value beside the label `label` among the `dt` elements `labels`. */
    const valueOf = (labels: string, label: string) => {
      const dt = [...profile.querySelectorAll(labels)].find((el) => el.textContent?.trim() === label);
      return textOf(dt?.nextElementSibling);
    };
    const firstName = valueOf(PROFILE_DETAIL_LABELS, 'First name');
    if (firstName === null) return null;
    const headerPhone = valueOf(HEADER_CONTACT_LABELS, 'Phone');
    return {
      firstName,
      lastName: valueOf(PROFILE_DETAIL_LABELS, 'Last name') ?? '',
      email: valueOf(PROFILE_DETAIL_LABELS, 'Email'),
      phone: valueOf(PROFILE_DETAIL_LABELS, 'Phone'),
      phoneType: phoneTypeOf(headerPhone?.split(PHONE_TYPE_SEPARATOR)[1]),
      jobTitle: valueOf(PROFILE_DETAIL_LABELS, 'Job'),
      location: valueOf(PROFILE_DETAIL_LABELS, 'Location'),
    };
  },

  messagesTabs() {
    const strip = document.querySelector<HTMLElement>(MESSAGES_STRIP);
    const content = strip?.nextElementSibling;
    if (!strip || !(content instanceof HTMLElement) || !content.classList.contains(MESSAGES_CONTENT_CLASS)) return null;
    return messagesTabs(strip, content, tabMarkup);
  },
};
