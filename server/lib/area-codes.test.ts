import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { demoCandidates } from '../../fixtures/demo/index.js';
import { AREA_CODES_BY_ZONE, knownAreaCodes, timeZoneForAreaCode } from './area-codes.js';

describe('timeZoneForAreaCode', () => {
  it.each([
    ['212', 'America/New_York'],
    ['617', 'America/New_York'],
    ['305', 'America/New_York'],
    ['313', 'America/Detroit'],
    ['317', 'America/Indiana/Indianapolis'],
    ['312', 'America/Chicago'],
    ['713', 'America/Chicago'],
    ['850', 'America/Chicago'],
    ['303', 'America/Denver'],
    ['915', 'America/Denver'],
    ['801', 'America/Denver'],
    ['208', 'America/Boise'],
    ['602', 'America/Phoenix'],
    ['480', 'America/Phoenix'],
    ['520', 'America/Phoenix'],
    ['623', 'America/Phoenix'],
    ['928', 'America/Phoenix'],
    ['415', 'America/Los_Angeles'],
    ['206', 'America/Los_Angeles'],
    ['702', 'America/Los_Angeles'],
    ['907', 'America/Anchorage'],
    ['808', 'Pacific/Honolulu'],
    ['787', 'America/Puerto_Rico'],
    ['416', 'America/Toronto'],
    ['514', 'America/Toronto'],
    ['604', 'America/Vancouver'],
    ['403', 'America/Edmonton'],
    ['306', 'America/Regina'],
    ['902', 'America/Halifax'],
    ['709', 'America/St_Johns'],
  ])('%s → %s', (code, zone) => {
    expect(timeZoneForAreaCode(code)).toBe(zone);
  });

  it('returns null for unknown or malformed codes', () => {
    expect(timeZoneForAreaCode('555')).toBeNull();
    expect(timeZoneForAreaCode('800')).toBeNull();
    expect(timeZoneForAreaCode('21')).toBeNull();
    expect(timeZoneForAreaCode('2125')).toBeNull();
    expect(timeZoneForAreaCode('abc')).toBeNull();
    expect(timeZoneForAreaCode('')).toBeNull();
  });

  it('tolerates surrounding whitespace', () => {
    expect(timeZoneForAreaCode(' 212 ')).toBe('America/New_York');
  });

  it('covers the US and Canada broadly', () => {
    expect(knownAreaCodes().length).toBeGreaterThan(380);
  });

  it('uses only valid IANA zones', () => {
    for (const zone of Object.keys(AREA_CODES_BY_ZONE)) {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone }), zone).not.toThrow();
    }
  });

  it('lists every code once, as three digits', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const [zone, codes] of Object.entries(AREA_CODES_BY_ZONE)) {
      for (const code of codes.split(/\s+/).filter(Boolean)) {
        expect(code, zone).toMatch(/^[2-9]\d\d$/);
        if (seen.has(code)) duplicates.push(`${code} (${seen.get(code)} and ${zone})`);
        seen.set(code, zone);
      }
    }
    expect(duplicates).toEqual([]);
  });

  it('maps the area code of every North American demo phone, consistently with its record', () => {
    const unmapped: string[] = [];
    for (const c of demoCandidates) {
      if (!c.phone) continue;
      const parsed = parsePhoneNumberFromString(c.phone, 'US');
      if (parsed?.countryCallingCode !== '1') continue;
      const zone = timeZoneForAreaCode(parsed.nationalNumber.slice(0, 3));
      if (!zone) unmapped.push(`${c.atsId} ${c.phone}`);
      else if (c.timeZone) expect(c.timeZone, c.atsId).toBe(zone);
    }
    expect(unmapped).toEqual([]);
  });
});
