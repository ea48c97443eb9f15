import { describe, it, expect } from 'vitest';
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { seededRandom } from '../../fixtures/demo/random.js';
import { computeTwilioSignature, verifyTwilioSignature, type TwilioSignatureParams } from './twilio-signature.js';

const TOKEN = '12345abcdefa1b2c3d4e5f6a7b8c9d0e';

const URLS = [
  'https://example.com/webhooks/twilio/status',
  'https://example.com:443/webhooks/twilio/status',
  'http://127.0.0.1:8787/webhooks/twilio/inbound',
  'https://mycompany.com/myapp.php?foo=1&bar=2',
  'https://mycompany.com/myapp.php?foo=1&bar=2&bar=3',
  'https://example.com/path with space/?q=a+b&r=%20c',
  "https://example.com/it's?name=O'Brien",
  'https://user:pass@example.com:8443/hook?bodySHA256=abc',
  'https://[2001:db8::1]:8443/hook',
  'https://exämple.com/ünïcode/путь?x=ü',
  'https://example.com/webhooks/twilio/status#fragment',
  '',
];

const PARAM_SETS: TwilioSignatureParams[] = [
  {},
  {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  },
  { Body: '', From: '+15551234567', To: '', MessageSid: 'SM00000000000000000000000000000000' },
  { Body: 'Héllo wörld — ça va? 你好 👋🏽 مرحبا', From: 'whatsapp:+447700900123' },
  { Body: 'line one\nline two\r\n\ttabbed & ampersand = equals + plus %20', NumMedia: '0' },
  { MediaUrl: ['https://a.example/2', 'https://a.example/1', 'https://a.example/2'], NumMedia: '2' },
  { b: ['z', 'a', 'm'], a: 'x', B: 'upper', _: 'underscore', '1': 'one', '10': 'ten', '2': 'two' },
  { Empty: [], Single: ['only'] },
  { 'Name With Space': 'v', ümlaut: 'ü', 'emoji😀': '😀', Zed: 'z' },
  { Body: 'STOP', OptOutType: 'STOP', MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef' },
];

const ALPHABET = ['a', 'Z', '0', ' ', '&', '=', '+', '%', '?', '/', 'é', 'ß', '中', '😀', '\n', '"', "'", '<', '>', '~', '.', '-', '_'];

function randomString(next: () => number, max: number): string {
  const n = Math.floor(next() * (max + 1));
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

function randomParams(next: () => number): TwilioSignatureParams {
  const params: TwilioSignatureParams = {};
  const count = Math.floor(next() * 8);
  for (let i = 0; i < count; i++) {
    const name = randomString(next, 6) || `P${i}`;
    if (next() < 0.25) {
      const values: string[] = [];
      const k = Math.floor(next() * 4);
      for (let j = 0; j < k; j++) values.push(next() < 0.3 && values.length ? values[0]! : randomString(next, 10));
      params[name] = values;
    } else {
      params[name] = randomString(next, 40);
    }
  }
  return params;
}

function randomUrl(next: () => number): string {
  const scheme = next() < 0.5 ? 'https' : 'http';
  const port = next() < 0.4 ? `:${[80, 443, 8080, 8787][Math.floor(next() * 4)]}` : '';
  const query = next() < 0.5 ? `?${encodeURIComponent(randomString(next, 5))}=${encodeURIComponent(randomString(next, 8))}` : '';
  return `${scheme}://host${Math.floor(next() * 100)}.example.com${port}/hooks/${encodeURIComponent(randomString(next, 6))}${query}`;
}

describe('computeTwilioSignature', () => {
  it('matches the twilio package on fixed URLs and parameter sets', () => {
    for (const url of URLS) {
      for (const params of PARAM_SETS) {
        expect(computeTwilioSignature(TOKEN, url, params), `${url} ${JSON.stringify(params)}`).toBe(getExpectedTwilioSignature(TOKEN, url, params));
      }
    }
  });

  it('matches the twilio package on generated URLs, parameters and tokens', () => {
    const next = seededRandom(20260302);
    for (let i = 0; i < 500; i++) {
      const token = i % 7 === 0 ? randomString(next, 32) || 't' : TOKEN;
      const url = randomUrl(next);
      const params = randomParams(next);
      expect(computeTwilioSignature(token, url, params), `${url} ${JSON.stringify(params)}`).toBe(getExpectedTwilioSignature(token, url, params));
    }
  });

  it("matches Twilio's documented example", () => {
    // https://www.twilio.com/docs/usage/security#validating-requests
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(computeTwilioSignature(TOKEN, url, params)).toBe(getExpectedTwilioSignature(TOKEN, url, params));
    expect(computeTwilioSignature(TOKEN, url, params)).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('treats repeated keys as Twilio does: distinct values, sorted, each with the name', () => {
    const url = 'https://example.com/hook';
    const a = computeTwilioSignature(TOKEN, url, { MediaUrl: ['b', 'a', 'b'] });
    expect(a).toBe(computeTwilioSignature(TOKEN, url, { MediaUrl: ['a', 'b'] }));
    expect(a).toBe(getExpectedTwilioSignature(TOKEN, url, { MediaUrl: ['b', 'a', 'b'] }));
    // Order of keys in the object does not matter.
    expect(computeTwilioSignature(TOKEN, url, { B: '2', A: '1' })).toBe(computeTwilioSignature(TOKEN, url, { A: '1', B: '2' }));
  });
});

describe('verifyTwilioSignature', () => {
  const url = 'https://te.example.com/webhooks/twilio/inbound?org=7';
  const params = { Body: 'Yes, Tuesday works 👍', From: '+15551234567', To: '+15557654321', MessageSid: 'SMabc', NumMedia: '0' };
  const header = getExpectedTwilioSignature(TOKEN, url, params);

  it('accepts the signature Twilio sends', () => {
    expect(verifyTwilioSignature(TOKEN, url, params, header)).toBe(true);
    expect(validateRequest(TOKEN, header, url, params)).toBe(true);
  });

  it('rejects a tampered parameter, an added parameter, a missing parameter', () => {
    expect(verifyTwilioSignature(TOKEN, url, { ...params, Body: 'STOP' }, header)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, { ...params, Extra: '' }, header)).toBe(false);
    const { NumMedia: _dropped, ...fewer } = params;
    expect(verifyTwilioSignature(TOKEN, url, fewer, header)).toBe(false);
  });

  it('rejects a different URL', () => {
    expect(verifyTwilioSignature(TOKEN, 'https://te.example.com/webhooks/twilio/inbound?org=8', params, header)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, 'https://te.example.com/webhooks/twilio/status?org=7', params, header)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, 'http://te.example.com/webhooks/twilio/inbound?org=7', params, header)).toBe(false);
  });

  it('rejects a wrong token, an empty header, a malformed or truncated header', () => {
    expect(verifyTwilioSignature('another-token', url, params, header)).toBe(false);
    expect(verifyTwilioSignature('', url, params, header)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, '')).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, undefined)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, null)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, header.slice(0, -1))).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, `${header}=`)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, header.toLowerCase())).toBe(false);
    expect(verifyTwilioSignature(TOKEN, url, params, 'ünïcode-header-of-odd-length')).toBe(false);
  });

  it('accepts a signature made with or without the default port, as the twilio package does', () => {
    const withPort = 'https://te.example.com:443/webhooks/twilio/inbound?org=7';
    const signedWithPort = getExpectedTwilioSignature(TOKEN, withPort, params);
    expect(verifyTwilioSignature(TOKEN, url, params, signedWithPort)).toBe(true);
    expect(validateRequest(TOKEN, signedWithPort, url, params)).toBe(true);
    expect(verifyTwilioSignature(TOKEN, withPort, params, header)).toBe(true);
    expect(validateRequest(TOKEN, header, withPort, params)).toBe(true);
  });

  it('agrees with the twilio package on generated requests, signed and tampered', () => {
    const next = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const u = randomUrl(next);
      const p = randomParams(next);
      const sig = getExpectedTwilioSignature(TOKEN, u, p);
      expect(verifyTwilioSignature(TOKEN, u, p, sig)).toBe(true);
      const tampered = { ...p, Tampered: String(i) };
      expect(verifyTwilioSignature(TOKEN, u, tampered, sig)).toBe(validateRequest(TOKEN, sig, u, tampered));
      expect(verifyTwilioSignature(TOKEN, u, tampered, sig)).toBe(false);
    }
  });
});
