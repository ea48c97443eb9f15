import { Hono, type Context } from 'hono';
import { ApiError } from '../lib/errors.js';
import type { BookingContext } from '../services/bookings.js';
import type { Services } from '../services/index.js';

/**
 * The posted form. A body that cannot be read as one (multipart without its boundary, say) is
 * this page's own 400, like any other bad link, not a server error.
 */
async function readForm(c: Context) {
  try {
    return await c.req.parseBody();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'VALIDATION', 'This booking form could not be read. Open the link from your text again and pick a time.');
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The candidate-facing booking page behind {{calendarLink}}: GET shows open slots in the
 * candidate's time zone, POST books one. Plain HTML forms, so it works on any phone.
 */
export function bookingRoutes(services: Services) {
  const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2433; background: #f4f6f9; }
  main { max-width: 560px; margin: 0 auto; padding: 20px 16px 40px; }
  h1 { font-size: 22px; margin: 8px 0 4px; } p { margin: 6px 0; } .muted { color: #5b6577; font-size: 14px; }
  .card { background: #fff; border: 1px solid #d9dee7; border-radius: 12px; padding: 16px; margin-top: 16px; }
  h2 { font-size: 16px; margin: 0 0 10px; }
  .slots { display: grid; grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); gap: 8px; }
  button { font: inherit; font-weight: 600; padding: 10px 8px; border-radius: 8px; border: 1px solid #0b5fff; background: #fff; color: #0b5fff; cursor: pointer; width: 100%; min-height: 44px; }
  button:hover, button:focus-visible { background: #0b5fff; color: #fff; outline: 3px solid #7aa7ff; outline-offset: 1px; }
  .ok { border-color: #067647; } .ok h1 { color: #067647; } .error { color: #b42318; }
</style></head><body><main>${body}</main></body></html>`;

  async function chooser(context: BookingContext, query: URLSearchParams, notice = '') {
    const days = await services.bookings.openSlots(context);
    const upcoming = await services.bookings.upcomingFor(context.candidate.id);
    const hidden = `<input type="hidden" name="c" value="${escapeHtml(query.get('c') ?? '')}"><input type="hidden" name="t" value="${escapeHtml(query.get('t') ?? '')}">`;
    const body = [
      `<p class="muted">${escapeHtml(context.org.name)}</p>`,
      `<h1>Book a time with ${escapeHtml(context.recruiter.name)}</h1>`,
      `<p>Hi ${escapeHtml(context.candidate.firstName)}, pick a time that suits you. Times are shown in your time zone (${escapeHtml(context.candidateTimeZone.replace(/_/g, ' '))}).</p>`,
      notice ? `<p class="error" role="alert">${escapeHtml(notice)}</p>` : '',
      upcoming ? `<p class="card">You already have a time booked; picking another replaces it.</p>` : '',
      days.length
        ? days
            .map(
              (d) =>
                `<section class="card"><h2>${escapeHtml(d.day)}</h2><form method="post" class="slots">${hidden}${d.slots
                  .map(
                    (s) =>
                      `<button name="startsAt" value="${escapeHtml(s.startsAt)}" aria-label="${escapeHtml(`${d.day} at ${s.time}`)}">${escapeHtml(s.time)}</button>`,
                  )
                  .join('')}</form></section>`,
            )
            .join('')
        : `<p class="card">No open times in the next two weeks. Reply to the text and ${escapeHtml(context.recruiter.name)} will find one with you.</p>`,
    ].join('');
    return page(`Book a time with ${context.recruiter.name}`, body);
  }

  return new Hono()
    .onError((err, c) => {
      if (err instanceof ApiError) {
        return c.html(page('Booking', `<h1>Booking</h1><p class="error">${escapeHtml(err.message)}</p>`), err.status);
      }
      throw err;
    })
    .get('/:slug', async (c) => {
      const query = new URL(c.req.url).searchParams;
      const context = await services.bookings.resolve(c.req.param('slug'), query.get('c') ?? undefined, query.get('t') ?? undefined);
      return c.html(await chooser(context, query));
    })
    .post('/:slug', async (c) => {
      const form = await readForm(c);
      const query = new URLSearchParams({ c: String(form.c ?? ''), t: String(form.t ?? '') });
      const context = await services.bookings.resolve(c.req.param('slug'), String(form.c ?? ''), String(form.t ?? ''));
      try {
        const booking = await services.bookings.book(context, String(form.startsAt ?? ''));
        return c.html(
          page(
            'Booked',
            `<section class="card ok"><h1>You're booked</h1><p>${escapeHtml(context.recruiter.name)} will see you on <strong>${escapeHtml(booking.candidateTime)}</strong>.</p><p class="muted">We've also texted you the details. Need to change it? Pick another time from the same link.</p></section>`,
          ),
        );
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return c.html(await chooser(context, query, err.message), 409);
        throw err;
      }
    });
}
