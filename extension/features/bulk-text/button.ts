/**
 * The "Bulk Text" button in the host's bulk-action bar. It takes the look of the host's own
 * buttons beside it (their class, and an icon when theirs have one) so it sits with them; the
 * host ignores it (it handles clicks only on buttons it knows). A real <button>: keyboard
 * reachable, Enter and Space press it.
 */
export const BUTTON_ATTR = 'data-te-bulk-text';
export const BUTTON_LABEL = 'Bulk Text';

const SVG = 'http://www.w3.org/2000/svg';

function phoneIcon(size: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({
    viewBox: '0 0 24 24',
    width: size,
    height: size,
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '1.8',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
    'aria-hidden': 'true',
    focusable: 'false',
  })) {
    svg.setAttribute(k, v);
  }
  for (const d of [
    'M7 3h10a1.5 1.5 0 0 1 1.5 1.5v15A1.5 1.5 0 0 1 17 21H7a1.5 1.5 0 0 1-1.5-1.5v-15A1.5 1.5 0 0 1 7 3z',
    'M10.5 17.5h3',
    'M9 8h6',
    'M9 11h4',
  ]) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

export function createBulkTextButton(slot: HTMLElement, onPress: (button: HTMLButtonElement) => void): HTMLButtonElement {
  const sample = [...slot.querySelectorAll('button')].find((b) => !b.hasAttribute(BUTTON_ATTR));
  const button = document.createElement('button');
  button.type = 'button';
  button.className = sample?.className ?? '';
  button.setAttribute(BUTTON_ATTR, '');
  button.setAttribute('aria-haspopup', 'dialog');
  button.title = 'Text the selected candidates with Text Engagement';
  const sampleIcon = sample?.querySelector('svg');
  if (sampleIcon) button.append(phoneIcon(sampleIcon.getAttribute('width') ?? '16'));
  button.append(document.createTextNode(BUTTON_LABEL));
  button.addEventListener('click', (e) => {
    e.preventDefault();
    onPress(button);
  });
  return button;
}
