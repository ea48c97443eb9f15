import { describe, expect, it } from 'vitest';
import { checkMobile, formatForDisplay, northAmericanAreaCode, toE164 } from './phone';

describe('checkMobile: US formats normalise to E.164', () => {
  it.each([
    '(212) 555-0101',
    '212.555.0101',
    '212-555-0101',
    '212 555 0101',
    '+1 212 555 0101',
    '+1 (212) 555-0101',
    '+12125550101',
    '2125550101',
    '12125550101',
    '1-212-555-0101',
    '  (212) 555-0101  ',
  ])('%j', (raw) => {
    expect(checkMobile(raw)).toEqual({ ok: true, e164: '+12125550101', country: 'US', nationalNumber: '2125550101' });
    expect(toE164(raw)).toBe('+12125550101');
  });

  it('drops an extension', () => {
    expect(checkMobile('+1 (212) 555-0101 ext. 5')).toMatchObject({ ok: true, e164: '+12125550101' });
  });

  it('North American numbers count as mobile (the plan cannot tell)', () => {
    expect(checkMobile('+1 416 555 0101')).toMatchObject({ ok: true, e164: '+14165550101', country: 'CA' });
    expect(checkMobile('+1 876 555 0101')).toMatchObject({ ok: true, e164: '+18765550101', country: 'JM' });
  });
});

describe('checkMobile: invalid', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['empty', ''],
    ['spaces', '   '],
    ['letters', 'abc'],
    ['too short', '123'],
    ['no area code', '555-0101'],
    ['nine digits', '+1 212 555 010'],
    ['eleven digits', '+1 212 555 01011'],
    ['area code starting with 1', '+1 112 555 0101'],
    ['unknown country code', '+999 123 4567'],
    ['prefix only', 'whatsapp:'],
  ])('%s', (_name, raw) => {
    expect(checkMobile(raw)).toEqual({ ok: false, reason: 'INVALID' });
    expect(toE164(raw)).toBeNull();
  });

  it('a national number is read in the default country', () => {
    expect(checkMobile('(212) 555-0101', 'GB')).toEqual({ ok: false, reason: 'INVALID' });
    expect(checkMobile('+1 212 555 0101', 'GB')).toMatchObject({ ok: true, e164: '+12125550101' });
  });
});

describe('checkMobile: landlines and other non-mobile numbers', () => {
  it.each([
    ['UK landline', '+44 20 7946 0958', '+442079460958'],
    ['UK landline, national format', '020 7946 0958', '+442079460958', 'GB'],
    ['French landline', '+33 1 42 68 53 00', '+33142685300'],
    ['German landline', '+49 30 1234567', '+49301234567'],
    ['US toll-free', '+1 800 555 0199', '+18005550199'],
    ['US premium rate', '+1 900 555 0199', '+19005550199'],
    ['UK freephone', '+44 800 123 4567', '+448001234567'],
  ] as const)('%s is NOT_MOBILE', (_name, raw, e164, country?: 'GB') => {
    expect(checkMobile(raw, country)).toEqual({ ok: false, reason: 'NOT_MOBILE' });
    // Still a valid number: toE164 normalises it.
    expect(toE164(raw, country)).toBe(e164);
  });
});

describe('checkMobile: international mobiles', () => {
  it.each([
    ['UK', '+44 7400 123456', '+447400123456', 'GB'],
    ['France', '+33 6 12 34 56 78', '+33612345678', 'FR'],
    ['Germany', '+49 151 23456789', '+4915123456789', 'DE'],
    ['India', '+91 98765 43210', '+919876543210', 'IN'],
    ['Brazil', '+55 11 91234-5678', '+5511912345678', 'BR'],
    ['Australia', '+61 412 345 678', '+61412345678', 'AU'],
    ['Japan', '+81 90-1234-5678', '+819012345678', 'JP'],
    ['China', '+86 138 0013 8000', '+8613800138000', 'CN'],
    ['Nigeria', '+234 803 123 4567', '+2348031234567', 'NG'],
    ['Mexico', '+52 55 1234 5678', '+525512345678', 'MX'],
  ])('%s', (_name, raw, e164, country) => {
    expect(checkMobile(raw)).toMatchObject({ ok: true, e164, country });
    expect(toE164(raw)).toBe(e164);
  });

  it('national formats with a default country', () => {
    expect(checkMobile('06 12 34 56 78', 'FR')).toMatchObject({ ok: true, e164: '+33612345678', nationalNumber: '612345678' });
    expect(checkMobile('07400 123456', 'GB')).toMatchObject({ ok: true, e164: '+447400123456' });
  });
});

describe('checkMobile: whatsapp: prefix', () => {
  it.each(['whatsapp:+12125550101', 'WhatsApp:+12125550101', 'WHATSAPP:+1 212 555 0101', 'whatsapp: +1 (212) 555-0101', ' whatsapp:+12125550101 '])(
    '%j',
    (raw) => {
      expect(checkMobile(raw)).toMatchObject({ ok: true, e164: '+12125550101' });
      expect(toE164(raw)).toBe('+12125550101');
    },
  );

  it('works for international numbers, and still refuses landlines', () => {
    expect(checkMobile('whatsapp:+447400123456')).toMatchObject({ ok: true, e164: '+447400123456' });
    expect(checkMobile('whatsapp:+442079460958')).toEqual({ ok: false, reason: 'NOT_MOBILE' });
    expect(checkMobile('whatsapp:+1212')).toEqual({ ok: false, reason: 'INVALID' });
  });
});

describe('northAmericanAreaCode', () => {
  it('returns the area code of a +1 number', () => {
    expect(northAmericanAreaCode('+12125550101')).toBe('212');
    expect(northAmericanAreaCode('+14165550101')).toBe('416');
  });

  it('is null for anything else', () => {
    expect(northAmericanAreaCode('+442079460958')).toBeNull();
    expect(northAmericanAreaCode('12125550101')).toBeNull(); // not E.164
    expect(northAmericanAreaCode('+1212555010')).toBeNull(); // too short
    expect(northAmericanAreaCode('+121255501011')).toBeNull(); // too long
    expect(northAmericanAreaCode('(212) 555-0101')).toBeNull();
    expect(northAmericanAreaCode('')).toBeNull();
  });
});

describe('formatForDisplay', () => {
  it('formats North American numbers nationally', () => {
    expect(formatForDisplay('+12125550101')).toBe('(212) 555-0101');
    expect(formatForDisplay(toE164('212.555.0101')!)).toBe('(212) 555-0101');
    expect(formatForDisplay('+14165550101')).toBe('(416) 555-0101');
  });

  it('leaves other numbers in E.164', () => {
    expect(formatForDisplay('+442079460958')).toBe('+442079460958');
    expect(formatForDisplay('+33612345678')).toBe('+33612345678');
    expect(formatForDisplay('+1212555010')).toBe('+1212555010');
  });
});
