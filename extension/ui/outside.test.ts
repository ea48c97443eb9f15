// @vitest-environment happy-dom
/**
 * onPointerDownOutside (ui/outside.ts) in a shadow root, as our UI is on the host page, and on an
 * extension page: a press on the menu keeps it, a press elsewhere in our UI or on the page closes
 * it. happy-dom does not hide a closed root's nodes from the document's composedPath() as
 * browsers do, so what a closed root changes is checked in the browser: the menus of the
 * composer and of the Bulk Text popup in extension/e2e.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onPointerDownOutside } from './outside';

const press = (el: Element) => el.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, composed: true, cancelable: true }));

afterEach(() => {
  document.body.replaceChildren();
});

describe.each(['closed', 'open'] as const)('onPointerDownOutside, in a %s shadow root', (mode) => {
  it('keeps the menu for a press on it, closes it for a press elsewhere in our UI or on the page', () => {
    const host = document.createElement('te-ui');
    const pageButton = document.createElement('button');
    document.body.append(host, pageButton);
    const root = host.attachShadow({ mode });
    const menu = document.createElement('div');
    const item = document.createElement('button');
    menu.append(item);
    const elsewhere = document.createElement('textarea');
    root.append(menu, elsewhere);
    expect(host.shadowRoot).toBe(mode === 'open' ? root : null);

    const close = vi.fn();
    const stop = onPointerDownOutside(() => [menu], close);
    press(item);
    press(menu);
    expect(close).not.toHaveBeenCalled();
    press(elsewhere);
    expect(close).toHaveBeenCalledTimes(1);
    press(pageButton);
    expect(close).toHaveBeenCalledTimes(2);

    stop();
    press(pageButton);
    press(elsewhere);
    expect(close).toHaveBeenCalledTimes(2);
  });
});

describe('onPointerDownOutside, on an extension page (no shadow root)', () => {
  it('works the same in the document', () => {
    const menu = document.createElement('div');
    const item = document.createElement('button');
    const other = document.createElement('button');
    menu.append(item);
    document.body.append(menu, other);
    const close = vi.fn();
    const stop = onPointerDownOutside(() => [menu], close);
    press(item);
    expect(close).not.toHaveBeenCalled();
    press(other);
    expect(close).toHaveBeenCalledTimes(1);
    stop();
  });
});
