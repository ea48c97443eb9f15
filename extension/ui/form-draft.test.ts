/**
 * A form's draft (form-draft.ts): the server's versions refresh an untouched form, never a changed
 * one (that one hears of them in `newer` until Reload), and our own write's answer is the new base.
 */
import { describe, expect, it } from 'vitest';
import { createFormDraft } from './form-draft';

const v1 = { name: 'Pickers', jobTitle: '' };

describe('form draft', () => {
  it('an untouched form follows the server silently', () => {
    const form = createFormDraft(v1);
    form.server({ name: 'Renamed', jobTitle: '' });
    expect(form.values()).toEqual({ name: 'Renamed', jobTitle: '' });
    expect([form.dirty.value, form.newer.value]).toEqual([false, null]);
  });

  it('a changed form keeps what was typed; the newer version waits for Reload', () => {
    const form = createFormDraft(v1);
    form.fields.jobTitle.value = 'Forklift';
    form.server({ name: 'Renamed', jobTitle: '' });
    expect(form.values()).toEqual({ name: 'Pickers', jobTitle: 'Forklift' });
    expect(form.newer.value).toEqual({ name: 'Renamed', jobTitle: '' });
    // The same version again, or one that changes nothing the form shows: still waiting, nothing written.
    form.server({ name: 'Renamed', jobTitle: '' });
    expect(form.fields.jobTitle.value).toBe('Forklift');
    form.reload();
    expect(form.values()).toEqual({ name: 'Renamed', jobTitle: '' });
    expect([form.dirty.value, form.newer.value]).toEqual([false, null]);
  });

  it('no news when the server goes back to the base, or now says what was typed', () => {
    const form = createFormDraft(v1);
    form.fields.name.value = 'Night pickers';
    form.server({ name: 'Renamed', jobTitle: '' });
    form.server(v1);
    expect(form.newer.value).toBeNull();
    form.server({ name: 'Night pickers', jobTitle: '' });
    expect([form.dirty.value, form.newer.value]).toEqual([false, null]);
  });

  it('says when the object is gone, and our own answer becomes the base without touching the fields', () => {
    const form = createFormDraft(v1);
    form.fields.name.value = 'Night pickers';
    form.server(null);
    expect(form.gone.value).toBe(true);
    expect(form.fields.name.value).toBe('Night pickers');
    form.adopt({ name: 'Night pickers', jobTitle: '' });
    expect([form.gone.value, form.dirty.value]).toEqual([false, false]);
  });
});
