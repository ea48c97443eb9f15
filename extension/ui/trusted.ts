/**
 * Send, Schedule (Save) and Delete act only on the person's own input: an event the browser made
 * from a real click or key press (`event.isTrusted`). A script that fires a synthetic click, key
 * press or submit at our UI (`el.click()`, `dispatchEvent(...)`) gets nothing sent, scheduled or
 * deleted. The UI is in closed shadow roots, so the host page's scripts can't reach these
 * elements in the first place: this is the second line.
 *
 * A form's submit event can't tell: a script's `form.requestSubmit()`, or its `click()` on a
 * submit button, makes the browser fire a trusted submit. So those forms act on their button's
 * click (a person's Enter or Space on it is a trusted click too) and on their own keyboard
 * shortcut, both through here, and their submit only stops the page from navigating.
 */

/** `handler`, run only for trusted events; an untrusted one is cancelled (no default action either: a synthetic click on a submit button submits nothing). */
export function onlyTrusted<E extends Event>(handler: (event: E) => void): (event: E) => void {
  return (event) => {
    if (!event.isTrusted) {
      event.preventDefault();
      return;
    }
    handler(event);
  };
}

/** For a form whose actions are its buttons' (trusted) clicks: its submit event does nothing but stay on the page. */
export const stayOnPage = (event: Event): void => event.preventDefault();
