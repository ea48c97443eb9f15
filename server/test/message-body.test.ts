/**
 * A body turned into each candidate's text (server/services/message-body.ts): the body's own
 * refusals come when its renderer is made, once for a whole campaign; a candidate's missing value
 * or overlong text comes with that candidate's render.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BODY_CHARACTERS } from '../../shared/segments.js';
import { ApiError } from '../lib/errors.js';
import { bodyRenderer, renderBody } from '../services/message-body.js';

/** The ApiError `fn` throws (failing the test if it throws nothing else). */
function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('bodyRenderer', () => {
  it('renders each candidate from one reading of the body', () => {
    const render = bodyRenderer('Hi {{firstName}}, a {{ jobTitle }} role with {{recruiterName}}.');
    expect(render({ firstName: 'Ann', jobTitle: 'Nurse', recruiterName: 'Bo' })).toBe('Hi Ann, a Nurse role with Bo.');
    expect(render({ firstName: 'Cy', jobTitle: 'Picker', recruiterName: 'Bo' })).toBe('Hi Cy, a Picker role with Bo.');
    expect(renderBody('Hi {{firstName}}', { firstName: 'Di' })).toBe('Hi Di');
  });

  it('refuses the body itself when it is made: over the limit as written, empty, or with an unknown field', () => {
    expect(refusal(() => bodyRenderer('x'.repeat(MAX_BODY_CHARACTERS + 1))).details).toEqual({ characters: MAX_BODY_CHARACTERS + 1 });
    expect(refusal(() => bodyRenderer('   ')).message).toMatch(/body is empty/);
    const unknown = refusal(() => bodyRenderer('Hi {{firstName}} {{salary}} {{constructor}}'));
    expect(unknown.status).toBe(400);
    expect(unknown.details).toEqual({ unknownFields: ['salary', 'constructor'] });
  });

  it('refuses one candidate whose value is missing or whose text is too long, and renders the next', () => {
    const render = bodyRenderer(`{{firstName}} ${'y'.repeat(MAX_BODY_CHARACTERS - 40)} {{jobTitle}}`);
    expect(refusal(() => render({ firstName: 'Ann', jobTitle: '' })).details).toEqual({ missingFields: ['jobTitle'] });
    expect(refusal(() => render({ firstName: null, jobTitle: undefined })).details).toEqual({ missingFields: ['firstName', 'jobTitle'] });
    expect(refusal(() => render({ firstName: 'Ann', jobTitle: 'z'.repeat(40) })).details).toEqual({ characters: MAX_BODY_CHARACTERS + 5 });
    expect(render({ firstName: 'Ann', jobTitle: 'Nurse' })).toHaveLength(MAX_BODY_CHARACTERS - 40 + 'Ann  Nurse'.length);
  });

  it('asks for a value only when the body uses it (a calendar link is signed on demand)', () => {
    let signed = 0;
    const values = {
      firstName: 'Ann',
      get calendarLink() {
        signed++;
        return 'https://te.test/book/x';
      },
    };
    expect(bodyRenderer('Hi {{firstName}}')(values)).toBe('Hi Ann');
    expect(signed).toBe(0);
    expect(bodyRenderer('Book: {{calendarLink}}')(values)).toBe('Book: https://te.test/book/x');
    expect(signed).toBeGreaterThan(0);
  });
});
