import { describe, expect, it } from 'vitest';
import { MERGE_FIELDS, mergeFieldsIn, missingMergeValues, renderMergeFields, unknownMergeFields } from './merge-fields';

describe('mergeFieldsIn', () => {
  it('finds each field once, in order of first use', () => {
    expect(mergeFieldsIn('Hi {{firstName}}, about the {{jobTitle}} role. Thanks {{firstName}}!')).toEqual(['firstName', 'jobTitle']);
  });

  it('finds nothing in plain text or single braces', () => {
    expect(mergeFieldsIn('')).toEqual([]);
    expect(mergeFieldsIn('Hello there')).toEqual([]);
    expect(mergeFieldsIn('Use {firstName} or { {firstName} }')).toEqual([]);
    expect(mergeFieldsIn('{{firstName}')).toEqual([]);
    expect(mergeFieldsIn('{firstName}}')).toEqual([]);
  });

  it('ignores whitespace inside the braces', () => {
    expect(mergeFieldsIn('{{ firstName }}')).toEqual(['firstName']);
    expect(mergeFieldsIn('{{   jobTitle\t}}')).toEqual(['jobTitle']);
    expect(mergeFieldsIn('{{\nlastName\n}}')).toEqual(['lastName']);
    expect(mergeFieldsIn('{{firstName}} {{ firstName }} {{  firstName  }}')).toEqual(['firstName']);
  });

  it('reads a hostile body in linear time: `{{`, 20,000 spaces and no closing braces', () => {
    // The old pattern backtracked cubically here (17.8 s at 3,000 spaces, blocking the server).
    // Linear, it is well under a millisecond; 50 ms leaves room for a loaded machine.
    for (const body of ['{{' + ' '.repeat(20_000) + 'x', '{{'.repeat(10_000), '{{ ' + 'a '.repeat(10_000)]) {
      const started = performance.now();
      expect(mergeFieldsIn(body)).toEqual([]);
      expect(renderMergeFields(body, { firstName: 'Ana' })).toBe(body);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it('keeps whitespace inside a name (it is then an unknown field)', () => {
    expect(mergeFieldsIn('{{ first Name }}')).toEqual(['first Name']);
  });

  it('finds every known field', () => {
    const body = MERGE_FIELDS.map((f) => `{{${f}}}`).join(' ');
    expect(mergeFieldsIn(body)).toEqual([...MERGE_FIELDS]);
  });

  it('finds the innermost field of nested braces', () => {
    expect(mergeFieldsIn('{{{firstName}}}')).toEqual(['firstName']);
    expect(mergeFieldsIn('{{ {{lastName}} }}')).toEqual(['lastName']);
  });
});

describe('unknownMergeFields', () => {
  it('is empty when every field is known', () => {
    expect(unknownMergeFields('Hi {{firstName}} {{ lastName }}, {{recruiterName}} here: {{calendarLink}} ({{jobTitle}})')).toEqual([]);
    expect(unknownMergeFields('no fields at all')).toEqual([]);
  });

  it('lists unknown fields, once each', () => {
    expect(unknownMergeFields('Hi {{first_name}}, {{ salary }} {{first_name}} {{firstName}}')).toEqual(['first_name', 'salary']);
  });

  it('is case-sensitive', () => {
    expect(unknownMergeFields('{{FirstName}} {{firstname}} {{FIRSTNAME}}')).toEqual(['FirstName', 'firstname', 'FIRSTNAME']);
  });

  it('refuses empty braces and names with spaces', () => {
    expect(unknownMergeFields('Hi {{}}')).toEqual(['']);
    expect(unknownMergeFields('Hi {{   }}')).toEqual(['']);
    expect(unknownMergeFields('Hi {{first name}}')).toEqual(['first name']);
  });

  it('treats Object.prototype names as unknown', () => {
    expect(unknownMergeFields('{{constructor}} {{toString}} {{__proto__}} {{hasOwnProperty}}')).toEqual([
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
    ]);
  });
});

describe('missingMergeValues', () => {
  const body = 'Hi {{firstName}} {{lastName}}, {{ jobTitle }} with {{recruiterName}}';

  it('lists used fields without a value', () => {
    expect(missingMergeValues(mergeFieldsIn(body), { firstName: 'Ann', lastName: 'Lee', jobTitle: 'Nurse', recruiterName: 'Bo' })).toEqual([]);
    expect(missingMergeValues(mergeFieldsIn(body), { firstName: 'Ann' })).toEqual(['lastName', 'jobTitle', 'recruiterName']);
    expect(missingMergeValues(mergeFieldsIn(body), {})).toEqual(['firstName', 'lastName', 'jobTitle', 'recruiterName']);
  });

  it('counts null, undefined and empty string as missing', () => {
    expect(missingMergeValues(mergeFieldsIn(body), { firstName: null, lastName: undefined, jobTitle: '', recruiterName: 'Bo' })).toEqual([
      'firstName',
      'lastName',
      'jobTitle',
    ]);
  });

  it('ignores values for fields the body does not use, and unknown fields', () => {
    expect(missingMergeValues(mergeFieldsIn('Hi {{firstName}} {{salary}} {{constructor}}'), { firstName: 'Ann' })).toEqual([]);
    expect(missingMergeValues(mergeFieldsIn('Hello'), {})).toEqual([]);
  });
});

describe('renderMergeFields', () => {
  it('replaces fields with their values', () => {
    expect(
      renderMergeFields('Hi {{firstName}}, {{recruiterName}} here about {{jobTitle}}. Book: {{calendarLink}}', {
        firstName: 'Ann',
        recruiterName: 'Bo',
        jobTitle: 'Staff Nurse',
        calendarLink: 'https://cal.example/bo',
      }),
    ).toBe('Hi Ann, Bo here about Staff Nurse. Book: https://cal.example/bo');
  });

  it('replaces every occurrence and tolerates whitespace inside the braces', () => {
    expect(renderMergeFields('{{firstName}}/{{ firstName }}/{{\tfirstName\n}}', { firstName: 'Ann' })).toBe('Ann/Ann/Ann');
  });

  it('leaves text without fields alone', () => {
    expect(renderMergeFields('Hello {there}', { firstName: 'Ann' })).toBe('Hello {there}');
    expect(renderMergeFields('', { firstName: 'Ann' })).toBe('');
  });

  it('leaves a field with a missing value as written (never a silent blank)', () => {
    expect(renderMergeFields('Hi {{firstName}} {{ lastName }}', { firstName: 'Ann' })).toBe('Hi Ann {{ lastName }}');
    expect(renderMergeFields('Hi {{firstName}}', { firstName: null })).toBe('Hi {{firstName}}');
    expect(renderMergeFields('Hi {{firstName}}', { firstName: undefined })).toBe('Hi {{firstName}}');
    expect(renderMergeFields('Hi {{firstName}}', {})).toBe('Hi {{firstName}}');
  });

  it('leaves unknown fields as written', () => {
    expect(renderMergeFields('Hi {{first_name}}', { firstName: 'Ann' })).toBe('Hi {{first_name}}');
    expect(renderMergeFields('Pay {{salary}}', { salary: '1' } as never)).toBe('Pay {{salary}}');
  });

  it('never renders Object.prototype members', () => {
    const body = 'a {{constructor}} b {{toString}} c {{__proto__}} d {{hasOwnProperty}}';
    expect(renderMergeFields(body, { firstName: 'Ann' })).toBe(body);
  });

  it('does not re-expand a value that itself contains {{...}}', () => {
    expect(renderMergeFields('Hi {{firstName}} {{lastName}}', { firstName: '{{lastName}}', lastName: 'Lee' })).toBe('Hi {{lastName}} Lee');
    expect(renderMergeFields('Hi {{firstName}}', { firstName: '{{firstName}}' })).toBe('Hi {{firstName}}');
    expect(renderMergeFields('{{jobTitle}}', { jobTitle: '{{ calendarLink }}', calendarLink: 'https://x' })).toBe('{{ calendarLink }}');
  });

  it('inserts values literally ($ patterns are not special)', () => {
    expect(renderMergeFields('Hi {{firstName}}', { firstName: "$& $1 $$ $` $'" })).toBe("Hi $& $1 $$ $` $'");
  });

  it('renders an empty string value as empty (missingMergeValues is what flags it)', () => {
    expect(renderMergeFields('Hi {{firstName}}!', { firstName: '' })).toBe('Hi !');
  });

  it('keeps surrounding text, emoji and line breaks', () => {
    expect(renderMergeFields('👋 {{firstName}}\r\nSee you', { firstName: 'Zoë' })).toBe('👋 Zoë\r\nSee you');
  });
});
