/**
 * The phone symbol beside a textable candidate's name, and the sign-in notice: each a tiny
 * shadow root on an element of our own tag (not a registered custom element: content scripts
 * have no `customElements`; attachShadow works on any valid custom-element name). A few lines
 * of inline CSS and an inline SVG, built synchronously, so 50 badges cost next to nothing.
 * Every string is set as text or as an attribute value, never parsed as HTML.
 *
 * The shadow roots are closed: the host page's scripts see `shadowRoot === null` and cannot read
 * or script what is inside. Only this module keeps them (`shadowOf`).
 */
import type { Channel } from '../../../shared/api';

export const BADGE_TAG = 'te-phone-badge';
export const NOTICE_TAG = 'te-signin-notice';

export const BADGE_LABELS: Record<Channel, string> = {
  sms: 'Textable by SMS',
  whatsapp: 'Textable by WhatsApp',
};

export const SIGN_IN_TEXT = 'Sign in to Text Engagement to see who you can text';

/** The closed shadow roots this module attached, by their host. */
const roots = new WeakMap<HTMLElement, ShadowRoot>();

function attachClosed(host: HTMLElement): ShadowRoot {
  const root = host.attachShadow({ mode: 'closed' });
  roots.set(host, root);
  return root;
}

/** The shadow root of a badge or notice made here (null for any other element). */
export function shadowOf(host: HTMLElement): ShadowRoot | null {
  return roots.get(host) ?? null;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** A telephone handset (the shape of Material Icons' "call", Apache-2.0). */
const HANDSET =
  'M6.62 10.79a15.05 15.05 0 0 0 6.59 6.59l2.2-2.2a1 1 0 0 1 1.02-.24c1.12.37 2.33.57 3.57.57a1 1 0 0 1 1 1V20a1 1 0 0 1-1 1C10.61 21 3 13.39 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1.02l-2.2 2.2z';

function handset(size: number): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', HANDSET);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

const BADGE_CSS = `:host{display:inline-flex!important;flex:none;vertical-align:middle;margin-inline-start:2px;line-height:0}
span{display:inline-grid;place-items:center;width:20px;height:20px;border-radius:50%;background:#eaf1ff;color:#0b5fff;box-shadow:inset 0 0 0 1px #c7d8ff}
span[data-channel=whatsapp]{background:#e6f6ee;color:#067647;box-shadow:inset 0 0 0 1px #b7e2cb}`;

/** A phone badge for candidate `id`, labelled for its channel. */
export function createBadge(id: string, channel: Channel): HTMLElement {
  const host = document.createElement(BADGE_TAG);
  host.setAttribute('data-candidate-id', id);
  const root = attachClosed(host);
  const style = document.createElement('style');
  style.textContent = BADGE_CSS;
  const icon = document.createElement('span');
  icon.setAttribute('role', 'img');
  icon.append(handset(12));
  root.append(style, icon);
  setBadgeChannel(host, channel);
  return host;
}

export function setBadgeChannel(badge: HTMLElement, channel: Channel): void {
  const icon = shadowOf(badge)?.querySelector('span');
  if (!icon || icon.dataset.channel === channel) return;
  icon.dataset.channel = channel;
  icon.setAttribute('aria-label', BADGE_LABELS[channel]);
  icon.title = BADGE_LABELS[channel];
}

const NOTICE_CSS = `:host{display:block!important;margin:8px 12px}
div{display:flex;align-items:center;gap:8px;width:fit-content;max-width:100%;box-sizing:border-box;padding:5px 6px 5px 10px;border:1px solid #c7d8ff;border-radius:8px;background:#f4f8ff;color:#1d2433;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
svg{color:#0b5fff;flex:none}
button{font:inherit;font-weight:600;padding:3px 10px;border-radius:6px;border:1px solid #0b5fff;background:#0b5fff;color:#fff;cursor:pointer}
button:hover{background:#0a52db}
button:focus-visible{outline:3px solid #7aa7ff;outline-offset:2px}`;

/** One small notice: signed out, so no badges; the button opens the extension's sign-in page. */
export function createSignInNotice(onSignIn: () => void): HTMLElement {
  const host = document.createElement(NOTICE_TAG);
  const root = attachClosed(host);
  const style = document.createElement('style');
  style.textContent = NOTICE_CSS;
  const box = document.createElement('div');
  box.setAttribute('role', 'note');
  box.setAttribute('aria-label', 'Text Engagement');
  const text = document.createElement('span');
  text.textContent = SIGN_IN_TEXT;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Sign in';
  button.addEventListener('click', onSignIn);
  box.append(handset(14), text, button);
  root.append(style, box);
  return host;
}
