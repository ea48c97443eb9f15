/**
 * Phone numbers: everything we store or send is E.164 (+15551234567). Parsing uses
 * libphonenumber-js's full metadata so a landline is told apart from a mobile where the
 * numbering plan can tell; North American numbers can be either, and count as mobile.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneCheck = { ok: true; e164: string; country: string | undefined; nationalNumber: string } | { ok: false; reason: 'INVALID' | 'NOT_MOBILE' };

export function checkMobile(raw: string | null | undefined, defaultCountry: CountryCode = 'US'): PhoneCheck {
  if (!raw || !raw.trim()) return { ok: false, reason: 'INVALID' };
  const parsed = parsePhoneNumberFromString(raw.trim().replace(/^whatsapp:/i, ''), defaultCountry);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'INVALID' };
  const type = parsed.getType();
  if (type && !['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER'].includes(type)) {
    return { ok: false, reason: 'NOT_MOBILE' };
  }
  return { ok: true, e164: parsed.number, country: parsed.country, nationalNumber: parsed.nationalNumber };
}

/** E.164 for any valid number, mobile or not; null when it cannot be parsed. */
export function toE164(raw: string | null | undefined, defaultCountry: CountryCode = 'US'): string | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw.trim().replace(/^whatsapp:/i, ''), defaultCountry);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** The three-digit area code of a North American number, else null. */
export function northAmericanAreaCode(e164: string): string | null {
  const match = /^\+1(\d{3})\d{7}$/.exec(e164);
  return match ? match[1]! : null;
}

export function formatForDisplay(e164: string): string {
  const match = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return match ? `(${match[1]}) ${match[2]}-${match[3]}` : e164;
}
