/**
 * The fuzz suite's requests: an operation's baseline (a request the server should accept) as a
 * Draft, the mutations applied to it (each one wrong thing: a missing or mistyped field, an
 * unknown one, a huge or strange value, a bad id, cursor, token or content type, a body over the
 * limit), and how a Draft becomes a Request.
 */
import { fieldsOf, mainVariant, typesOf, withField, type Operation } from './operations.js';

/** Who the request says it is; the test turns each into an Authorization header. */
export type Auth = 'admin' | 'none' | 'nonAdmin' | 'otherOrg' | 'apiKey' | 'unknownToken' | 'unknownApiKey' | 'revokedToken' | 'fresh' | { header: string };

export type DraftBody =
  | { kind: 'none' }
  /** JSON; `raw` swaps a placeholder string for a literal JSON cannot write (1e999, NaN). */
  | { kind: 'json'; value: unknown; raw?: { placeholder: string; literal: string } }
  | { kind: 'bytes'; bytes: string | Uint8Array }
  | { kind: 'form'; fields: [string, string][] };

export interface Draft {
  method: string;
  /** The operation's path, `{name}` for each path parameter. */
  path: string;
  /** Each path parameter's value, URL-encoded when rendered unless `raw`. */
  pathParams: Record<string, { value: string; raw?: boolean }>;
  query: [string, string][];
  headers: Record<string, string>;
  auth: Auth;
  body: DraftBody;
  /** The Content-Type sent: the body's own when undefined, none when null. */
  contentType?: string | null;
  /** Sends the body's length as Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  /** For a provider's webhook: sign the form as the provider would ('valid'), wrongly, or not at all. */
  signature?: 'valid' | 'wrong' | 'none';
}

export interface Mutation {
  name: string;
  apply(d: Draft): void;
  /**
   * Run in every run. The others (one per field and strange value) are many; a run takes a
   * seeded sample of them, up to the operation's budget.
   */
  core?: boolean;
}

export const HUGE_STRING_LENGTH = 100_000;
/** Over the API's 1 MB body limit. */
export const OVER_API_LIMIT = 1024 * 1024 + 1;
/** Over the 64 KB limit of what strangers may post (webhooks, the booking page). */
export const OVER_PUBLIC_LIMIT = 64 * 1024 + 1;

export const STRING_SPECIALS: [string, string][] = [
  ['emoji and a family ZWJ sequence', '😀👩‍👩‍👧‍👦🇺🇸'],
  ['right-to-left override', '\u202eevil\u202c txt'],
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'x\ud800y'],
  ['lone low surrogate', '\udfff'],
  ['combining marks', 'e\u0301\u0301\u0301'],
  ['line and paragraph separators', 'a\u2028b\u2029c'],
  ['control characters', '\u0001\u001b[31m\u007f'],
  ['empty', ''],
  ['whitespace only', ' \t\n '],
  ['markup', '<script>alert(1)</script>'],
  ['SQL', "'; drop table candidates; --"],
  ['merge fields', '{{firstName}} {{unknown}} {{'],
  ['format specifiers', '%s%n%d${x}'],
  ['path traversal', '../../etc/passwd'],
  ['BOM and zero-width characters', '\ufeff\u200b\u200d'],
  ['fullwidth and homoglyphs', 'ｆｕｚｚ аdmin'],
  ['a 2,000-character word', 'W'.repeat(2000)],
];

type NumberSpecial = [string, number | string | { raw: string }];
const NUMBER_SPECIALS: NumberSpecial[] = [
  ['zero', 0],
  ['negative', -1],
  ['fraction', 1.5],
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['2^53 + 2', 2 ** 53 + 2],
  ['1e-9', 1e-9],
  ['1e999 (Infinity once parsed)', { raw: '1e999' }],
  ['-0', { raw: '-0' }],
  ['NaN (not JSON)', { raw: 'NaN' }],
  ['a number as a string', '1'],
];

/** Instants at the edges of what the pattern allows, or of what a calendar has. */
const DATE_SPECIALS: [string, string][] = [
  ['year 9999', '9999-12-31T23:59:59Z'],
  ['year 0000', '0000-01-01T00:00:00Z'],
  ['the epoch', '1970-01-01T00:00:00Z'],
  ['just now', '2026-03-02T15:00:00Z'],
  ['29 February of a common year', '2026-02-29T12:00:00Z'],
  ['offset +14:00', '2026-03-03T01:00:00+14:00'],
  ['nanoseconds', '2026-03-10T15:00:00.123456789Z'],
  ['no offset', '2026-03-10T15:00:00'],
  ['a date only', '2026-03-10'],
  ['a timestamp in milliseconds', '1772463600000'],
  ['in 100 years', '2126-03-10T15:00:00Z'],
];

const WRONG_TYPES: [string, string, unknown][] = [
  ['null', 'null', null],
  ['a boolean', 'boolean', true],
  ['a number', 'number', 42],
  ['a string', 'string', 'not-what-you-expect'],
  ['an empty array', 'array', []],
  ['an object', 'object', { nested: 'x' }],
];

const QUERY_SPECIALS: [string, string][] = [
  ['non-numeric', 'abc'],
  ['negative', '-1'],
  ['zero', '0'],
  ['fraction', '1.5'],
  ['1e309', '1e309'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['hex', '0x10'],
  ['empty', ''],
  ['2^64', '18446744073709551616'],
  ['5,000 characters', 'x'.repeat(5000)],
  ['emoji', '😀'],
  ['NUL', '\u0000'],
  ['comma list of junk', ',,,,'],
];

const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** Cursors a server could never have handed out, some of them nearly right. */
const CURSOR_SPECIALS: [string, string][] = [
  ['garbage', '!!!not-a-cursor!!!'],
  ['base64 of nothing', '===='],
  ['base64 of an object', b64('{"a":1}')],
  ['base64 of nulls', b64('[null,null,null]')],
  ['base64 of a huge position', b64('["a","b",1e300]')],
  ['base64 of a negative position', b64('["a","b",-1]')],
  ['base64 of a fractional position', b64('["a","b",1.5]')],
  ['base64 of a string position', b64('["a","b","1"]')],
  ['base64 of a long array', b64(JSON.stringify(Array(1000).fill('x')))],
  ['base64 of deep nesting', b64('['.repeat(5000) + ']'.repeat(5000))],
  ['201 characters', 'c'.repeat(201)],
  ['percent-encoded NUL', '\u0000'],
];

const PATH_SPECIALS: [string, string, boolean?][] = [
  ['non-numeric', 'abc'],
  ['zero', '0'],
  ['negative', '-1'],
  ['fraction', '1.5'],
  ['exponent', '1e3'],
  ['30 digits', '9'.repeat(30)],
  ['2^53 + 1', '9007199254740993'],
  ['5,000 characters', 'a'.repeat(5000)],
  ['encoded traversal', '../../api/me'],
  ['raw traversal', '../../api/me', true],
  ['emoji', '😀'],
  ['NUL', '\u0000'],
  ['space', ' '],
  ['malformed percent-encoding', '%E0%A4%A', true],
  ['phone: prefix', 'phone:+12125550101'],
  ['RTL override', '\u202e1001'],
];

const HEADER_SPECIALS: [string, string][] = [
  ['empty', ''],
  ['space inside', 'a b'],
  ['Latin-1', 'clé'],
  ['5,000 characters', 'k'.repeat(5000)],
  ['tab', '\tkey'],
];

const AUTH_MUTATIONS: [string, Auth][] = [
  ['no Authorization', 'none'],
  ['Basic credentials', { header: 'Basic dXNlcjpwYXNz' }],
  ['Bearer without a token', { header: 'Bearer' }],
  ['Bearer with two words', { header: 'Bearer a b' }],
  ['a 10,000-character token', { header: 'Bearer ' + 't'.repeat(10_000) }],
  ['an unknown token', 'unknownToken'],
  ['an unknown integration key', 'unknownApiKey'],
  ['a signed-out token', 'revokedToken'],
  ['an integration key', 'apiKey'],
  ['a recruiter who is not an administrator', 'nonAdmin'],
  ['another organization’s administrator', 'otherOrg'],
];

export interface MutationContext {
  /** A value that names something of another organization, for a path parameter or an *Id field. */
  otherOrg(name: string): unknown;
  /** Methods the operation's path declares (a wrong-method case uses one it does not). */
  declaredMethods: string[];
  /** Whether this operation carries its path's wrong-method case (one per path). */
  wrongMethod: boolean;
}

const jsonBody = (d: Draft): { value: unknown } => {
  if (d.body.kind !== 'json') throw new Error('not a JSON body');
  return d.body;
};

const fieldName = (path: (string | number)[]) => 'body.' + path.join('.');

/** Every mutation of `op` whose baseline is `base`. */
export function mutationsFor(op: Operation, base: Draft, ctx: MutationContext): Mutation[] {
  const out: Mutation[] = [];
  const add = (name: string, apply: (d: Draft) => void, core = false) => out.push({ name, apply, core });

  // ── Who is asking ──
  if (!op.public) {
    for (const [name, auth] of AUTH_MUTATIONS) add(`auth: ${name}`, (d) => void (d.auth = auth), true);
  } else {
    add('auth: a garbage Authorization header', (d) => void (d.headers.authorization = 'Bearer \u00ff\u00fe'), true);
  }

  // ── Path parameters ──
  for (const name of Object.keys(base.pathParams)) {
    add(
      `path ${name}: nonexistent`,
      (d) => void (d.pathParams[name] = { value: /^\d+$/.test(base.pathParams[name]!.value) ? '999999999' : 'no-such-id' }),
      true,
    );
    const other = ctx.otherOrg(name);
    if (other !== undefined) add(`path ${name}: another organization’s`, (d) => void (d.pathParams[name] = { value: String(other) }), true);
    for (const [label, value, raw] of PATH_SPECIALS) add(`path ${name}: ${label}`, (d) => void (d.pathParams[name] = { value, raw }), true);
  }

  // ── Query ──
  const queryNames = new Set([...op.parameters.filter((p) => p.in === 'query').map((p) => p.name), ...base.query.map(([n]) => n)]);
  for (const name of queryNames) {
    const param = op.parameters.find((p) => p.in === 'query' && p.name === name);
    const present = base.query.some(([n]) => n === name);
    if (present) add(`query ${name}: left out`, (d) => void (d.query = d.query.filter(([n]) => n !== name)), true);
    const setQuery = (value: string) => (d: Draft) => void (d.query = [...d.query.filter(([n]) => n !== name), [name, value]]);
    add(`query ${name}: given twice`, (d) => void (d.query = [...d.query.filter(([n]) => n !== name), [name, '1'], [name, '2']]), true);
    for (const [label, value] of QUERY_SPECIALS) add(`query ${name}: ${label}`, setQuery(value));
    if (param?.schema.enum) add(`query ${name}: not one of its values`, setQuery('NOT_A_VALUE'), true);
    if (/cursor|after|offset/i.test(name)) for (const [label, value] of CURSOR_SPECIALS) add(`query ${name}: cursor ${label}`, setQuery(value), true);
  }
  add('query: an unknown parameter', (d) => void d.query.push(['zzUnknown', '1']), true);
  add('query: __proto__', (d) => void d.query.push(['__proto__', '1'], ['constructor', 'x']), true);

  // ── Header parameters ──
  for (const param of op.parameters.filter((p) => p.in === 'header')) {
    for (const [label, value] of HEADER_SPECIALS) add(`header ${param.name}: ${label}`, (d) => void (d.headers[param.name] = value), true);
  }

  // ── The body ──
  if (base.body.kind === 'json') out.push(...jsonMutations(op, base.body.value, ctx));
  else if (base.body.kind === 'form') out.push(...formMutations(base, op));
  else if (op.files) out.push(...fileMutations());
  else if (op.method !== 'GET') out.push(...bodyOnBodilessMutations(op));

  // ── The method ──
  if (ctx.wrongMethod) {
    const wrong = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].find((m) => !ctx.declaredMethods.includes(m));
    if (wrong) {
      add(
        `method: ${wrong} (not served on this path)`,
        (d) => {
          d.method = wrong;
          if (wrong === 'GET' || wrong === 'DELETE') d.body = { kind: 'none' };
        },
        true,
      );
    }
  }
  return out;
}

function isLimitedPublicly(op: Operation) {
  return op.path.startsWith('/webhooks/') || op.path.startsWith('/book/');
}

function overLimitMutations(op: Operation): Mutation[] {
  if (op.path === '/api/candidates/import') return []; // it streams its file, with a limit of its own (128 MB)
  const size = isLimitedPublicly(op) ? OVER_PUBLIC_LIMIT : OVER_API_LIMIT;
  const big = () => JSON.stringify({ padding: 'p'.repeat(size) });
  return [
    {
      name: `body: over the limit (${size} bytes, Content-Length)`,
      core: true,
      apply: (d) => void ((d.body = { kind: 'bytes', bytes: big() }), (d.contentType = 'application/json')),
    },
    {
      name: `body: over the limit (${size} bytes, chunked)`,
      core: true,
      apply: (d) => void ((d.body = { kind: 'bytes', bytes: big() }), (d.contentType = 'application/json'), (d.chunked = true)),
    },
  ];
}

function jsonMutations(op: Operation, value: unknown, ctx: MutationContext): Mutation[] {
  const schema = op.jsonBody!;
  const out: Mutation[] = [];
  const add = (name: string, apply: (d: Draft) => void, core = false) => out.push({ name, apply, core });
  const setField = (path: (string | number)[], replacement: unknown) => (d: Draft) => {
    d.body = { kind: 'json', value: withField(jsonBody(d).value, path, replacement) };
  };
  const setRaw = (path: (string | number)[], literal: string) => (d: Draft) => {
    const placeholder = '__FUZZ_RAW__';
    d.body = { kind: 'json', value: withField(jsonBody(d).value, path, placeholder), raw: { placeholder: JSON.stringify(placeholder), literal } };
  };

  // Whole bodies that are not the object asked for.
  const text = (name: string, bytes: string | Uint8Array, contentType: string | null = 'application/json') =>
    add(`body: ${name}`, (d) => void ((d.body = { kind: 'bytes', bytes }), (d.contentType = contentType)), true);
  text('a JSON array', '[]');
  text('JSON null', 'null');
  text('a JSON string', '"text"');
  text('a JSON number', '42');
  text('an empty object', '{}');
  text('empty', '');
  text('invalid JSON', '{"a":');
  text('JSON with trailing garbage', JSON.stringify(value) + ' trailing');
  text('JSON after a byte-order mark', '\ufeff' + JSON.stringify(value));
  text('10,000-deep nesting', '['.repeat(10_000) + ']'.repeat(10_000));
  text('an object 10,000 deep', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
  text('invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
  text('UTF-16', Buffer.from(JSON.stringify(value), 'utf16le'), 'application/json; charset=utf-16');
  text('a repeated key', JSON.stringify(value).replace(/^\{/, '{"zz":1,"zz":"two",'));
  text('__proto__ and constructor', JSON.stringify(value).replace(/^\{/, '{"__proto__":{"isAdmin":true,"orgId":2},"constructor":{"prototype":{"x":1}},'));
  // The same body, said to be something else.
  const as = (contentType: string | null, form = false) =>
    add(
      `content type: ${contentType ?? 'none'}${form ? ' (form-encoded)' : ''}`,
      (d) => {
        if (form) d.body = { kind: 'bytes', bytes: new URLSearchParams(flatForm(jsonBody(d).value)).toString() };
        d.contentType = contentType;
      },
      true,
    );
  as(null);
  as('text/plain');
  as('application/x-www-form-urlencoded', true);
  as('multipart/form-data; boundary=fuzz');
  as('application/json-patch+json');
  as('application/vnd.api+json');
  as('APPLICATION/JSON');
  as('application/json; charset=latin1');
  as('application/xml');
  out.push(...overLimitMutations(op));
  add('body: an unknown field', (d) => void (d.body = { kind: 'json', value: { ...(jsonBody(d).value as object), zzUnknown: 1 } }), true);

  for (const field of fieldsOf(schema, value)) {
    const name = fieldName(field.path);
    const s = mainVariant(field.schema);
    const types = typesOf(field.schema);
    if (field.required)
      add(`${name}: left out`, (d) => void (d.body = { kind: 'json', value: withField(jsonBody(d).value, field.path, undefined, true) }), true);
    for (const [label, type, wrong] of WRONG_TYPES) {
      const same = types.includes(type) || (type === 'number' && types.includes('integer'));
      if (!same) add(`${name}: ${label}`, setField(field.path, wrong));
    }
    if (types.includes('object') && s.properties) {
      add(`${name}: an unknown field inside`, setField([...field.path, 'zzUnknown'], 1));
    }
    if (types.includes('string')) {
      add(`${name}: huge string (${HUGE_STRING_LENGTH} chars)`, setField(field.path, 'a'.repeat(HUGE_STRING_LENGTH)));
      add(`${name}: huge emoji string (${HUGE_STRING_LENGTH} UTF-16 units)`, setField(field.path, '😀'.repeat(HUGE_STRING_LENGTH / 2)));
      for (const [label, special] of STRING_SPECIALS) add(`${name}: ${label}`, setField(field.path, special));
      if (s.format === 'date-time') for (const [label, special] of DATE_SPECIALS) add(`${name}: ${label}`, setField(field.path, special));
    }
    if (types.includes('number') || types.includes('integer')) {
      for (const [label, special] of NUMBER_SPECIALS) {
        add(`${name}: ${label}`, typeof special === 'object' ? setRaw(field.path, special.raw) : setField(field.path, special));
      }
      if (/Id$/.test(String(field.path.at(-1)))) {
        add(`${name}: nonexistent id`, setField(field.path, 999_999_999));
        const other = ctx.otherOrg(String(field.path.at(-1)));
        if (other !== undefined) add(`${name}: another organization’s id`, setField(field.path, other));
      }
    }
    if (types.includes('array')) {
      const item = s.items ?? {};
      add(`${name}: empty`, setField(field.path, []));
      add(
        `${name}: ${(s.maxItems ?? 5000) + 1} items`,
        setField(
          field.path,
          Array.from({ length: (s.maxItems ?? 5000) + 1 }, (_, i) => `item-${i}`),
        ),
      );
      add(`${name}: items of the wrong type`, setField(field.path, typesOf(item).includes('number') ? ['x'] : [1, null, {}]));
      add(`${name}: nested arrays`, setField(field.path, [[['deep']]]));
      add(`${name}: one item repeated`, (d) => {
        const current = (field.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], jsonBody(d).value) as unknown[]) ?? [];
        setField(field.path, Array(50).fill(current[0] ?? 'x'))(d);
      });
      if (/Ids$/.test(String(field.path.at(-1)))) {
        const other = ctx.otherOrg(String(field.path.at(-1)));
        add(`${name}: unknown ids`, setField(field.path, ['no-such-candidate', '999999999']));
        if (other !== undefined) add(`${name}: another organization’s ids`, setField(field.path, other));
      }
    }
  }
  return out;
}

/** A JSON body as form fields (what a form post of it would send). */
function flatForm(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((value ?? {}) as object)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** Forms: a provider's webhook or the booking page. */
function formMutations(base: Draft, op: Operation): Mutation[] {
  const out: Mutation[] = [];
  const add = (name: string, apply: (d: Draft) => void, core = false) => out.push({ name, apply, core });
  const fields = () => (base.body.kind === 'form' ? base.body.fields : []);
  const form = (d: Draft) =>
    d.body.kind === 'form'
      ? d.body
      : (() => {
          throw new Error('not a form');
        })();
  const set = (name: string, value: string) => (d: Draft) => void (form(d).fields = [...form(d).fields.filter(([n]) => n !== name), [name, value]]);

  if (base.signature === 'valid') {
    add('signature: none', (d) => void (d.signature = 'none'), true);
    add('signature: wrong', (d) => void (d.signature = 'wrong'), true);
    add('signature: of another URL', (d) => void (d.headers['x-twilio-signature'] = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='), true);
    add('signature: 10,000 characters', (d) => void (d.headers['x-twilio-signature'] = 's'.repeat(10_000)), true);
  }
  for (const [name] of fields()) {
    add(`form ${name}: left out`, (d) => void (form(d).fields = form(d).fields.filter(([n]) => n !== name)), true);
    add(`form ${name}: given twice`, (d) => void form(d).fields.push([name, 'second']), true);
    add(`form ${name}: 60,000 characters`, set(name, 'f'.repeat(60_000)), true);
    for (const [label, value] of STRING_SPECIALS) add(`form ${name}: ${label}`, set(name, value));
    add(`form ${name}: a number like 1e999`, set(name, '1e999'));
  }
  add('form: an unknown field', (d) => void form(d).fields.push(['zzUnknown', '1']), true);
  add('form: 2,000 fields', (d) => void form(d).fields.push(...Array.from({ length: 2000 }, (_, i): [string, string] => [`f${i}`, 'v'])), true);
  const body = (name: string, bytes: string | Uint8Array, contentType: string | null) =>
    add(`body: ${name}`, (d) => void ((d.body = { kind: 'bytes', bytes }), (d.contentType = contentType)), true);
  body('the form as JSON', JSON.stringify(Object.fromEntries(fields())), 'application/json');
  body('the form as text/plain', new URLSearchParams(fields()).toString(), 'text/plain');
  body('the form without a content type', new URLSearchParams(fields()).toString(), null);
  body('empty', '', 'application/x-www-form-urlencoded');
  body('broken percent-encoding', 'a=%E0%A4%A&b=%%%&=&&c', 'application/x-www-form-urlencoded');
  body('multipart without a boundary', '--x\r\n\r\n', 'multipart/form-data');
  body('invalid UTF-8', new Uint8Array([0x61, 0x3d, 0xc3, 0x28, 0xff]), 'application/x-www-form-urlencoded');
  out.push(...overLimitMutations(op));
  return out;
}

/** The candidate import's files. */
function fileMutations(): Mutation[] {
  const file = (name: string, bytes: string | Uint8Array, contentType: string | null): Mutation => ({
    name: `file: ${name}`,
    core: true,
    apply: (d) => void ((d.body = { kind: 'bytes', bytes }), (d.contentType = contentType)),
  });
  const header = 'atsId,firstName,lastName,email,phone,channel,consent,consentSource,consentAt,timeZone,jobTitle,location';
  const line = (o: Record<string, unknown>) => JSON.stringify({ atsId: 'fz-imp', firstName: 'Fuzz', lastName: 'Import', ...o });
  return [
    file('as application/json', '{"atsId":"1"}', 'application/json'),
    file('without a content type', header + '\n', null),
    file('as text/plain', header + '\n', 'text/plain'),
    file('empty CSV', '', 'text/csv'),
    file('empty NDJSON', '', 'application/x-ndjson'),
    file('binary garbage', new Uint8Array(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256)), 'text/csv'),
    file('CSV with an unknown column', 'atsId,firstName,lastName,shoeSize\n1,a,b,44\n', 'text/csv'),
    file('CSV without its required columns', 'email\nx@example.test\n', 'text/csv'),
    file('CSV with an unterminated quote', header + '\n"fz-q,Fuzz,"Quote\n', 'text/csv'),
    file('CSV with NUL bytes', header + '\nfz-nul,Fu\u0000zz,Nul,,,,,,,,,\n', 'text/csv'),
    file('CSV with a 70 KB row', header + '\nfz-big,' + 'B'.repeat(70_000) + ',Big,,,,,,,,,\n', 'text/csv'),
    file(
      'CSV in UTF-16 with a byte-order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header + '\nfz-u16,Fuzz,U,,,,,,,,,\n', 'utf16le')]),
      'text/csv',
    ),
    file('CSV with CRLF and a repeated id', `${header}\r\nfz-crlf,A,B,,,,,,,,,\r\nfz-crlf,A,B,,,,,,,,,\r\n`, 'text/csv'),
    file('CSV with strange values', `${header}\nfz-odd,😀,\u202e,not-an-email,+1 (000) 000-0000,fax,maybe,,yesterday,Mars/Olympus,,\n`, 'text/csv'),
    file('CSV with a header only, repeated', `${header},atsId\n`, 'text/csv'),
    file('NDJSON with an invalid line', line({}) + '\n{"atsId":\n', 'application/x-ndjson'),
    file('NDJSON with an array, null and a number', '[]\nnull\n42\n"x"\n', 'application/x-ndjson'),
    file(
      'NDJSON with strange values',
      [
        line({ phone: 'PHONE' }).replace('"PHONE"', '1e999'),
        line({ firstName: 5 }),
        line({ timeZone: 'Mars/Olympus' }),
        line({}).replace(/^\{/, '{"__proto__":{"x":1},'),
        line({ consent: { status: 'granted' } }),
      ].join('\n'),
      'application/x-ndjson',
    ),
    file('NDJSON with an unknown field', line({ zzUnknown: 1 }) + '\n', 'application/x-ndjson'),
    file('NDJSON with a 70 KB line', line({ jobTitle: 'j'.repeat(70_000) }) + '\n', 'application/x-ndjson'),
    file(
      'NDJSON, 2,000 rows of junk',
      Array.from({ length: 2000 }, (_, i) => (i % 2 ? `{"atsId":"fz-j${i}"}` : `not json ${i}`)).join('\n'),
      'application/x-ndjson',
    ),
  ];
}

/** A body sent where the operation takes none. */
function bodyOnBodilessMutations(op: Operation): Mutation[] {
  const body = (name: string, bytes: string, contentType: string | null): Mutation => ({
    name: `body: ${name} (it takes none)`,
    core: true,
    apply: (d) => void ((d.body = { kind: 'bytes', bytes }), (d.contentType = contentType)),
  });
  return [
    body('a JSON object', '{"zzUnknown":1,"isAdmin":true}', 'application/json'),
    body('invalid JSON', '{"a":', 'application/json'),
    body('text', 'hello', 'text/plain'),
    body('a form', 'a=1&b=2', 'application/x-www-form-urlencoded'),
    ...overLimitMutations(op),
  ];
}

export interface Rendered {
  url: string;
  init: RequestInit;
}

export interface RenderContext {
  authorization(auth: Auth): string | undefined;
  /** The provider's signature for a form posted to `url`. */
  sign(url: string, fields: [string, string][]): string;
}

export function render(d: Draft, ctx: RenderContext): Rendered {
  const path = d.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const p = d.pathParams[name]!;
    return p.raw ? p.value : encodeURIComponent(p.value);
  });
  const search = d.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const url = path + (search ? `?${search}` : '');
  const headers: Record<string, string> = { ...d.headers };
  const authorization = ctx.authorization(d.auth);
  if (authorization !== undefined) headers.authorization = authorization;

  let bytes: Uint8Array | undefined;
  let ownType: string | undefined;
  switch (d.body.kind) {
    case 'json': {
      let text = JSON.stringify(d.body.value);
      if (d.body.raw) text = text.replace(d.body.raw.placeholder, d.body.raw.literal);
      bytes = Buffer.from(text);
      ownType = 'application/json';
      break;
    }
    case 'form':
      bytes = Buffer.from(new URLSearchParams(d.body.fields).toString());
      ownType = 'application/x-www-form-urlencoded';
      if (d.signature === 'valid') headers['x-twilio-signature'] ??= ctx.sign(url, d.body.fields);
      else if (d.signature === 'wrong') headers['x-twilio-signature'] = ctx.sign(url, [...d.body.fields, ['tampered', '1']]);
      break;
    case 'bytes':
      bytes = typeof d.body.bytes === 'string' ? Buffer.from(d.body.bytes) : d.body.bytes;
      break;
  }
  const contentType = d.contentType === undefined ? ownType : d.contentType;
  if (contentType) headers['content-type'] = contentType;
  if (bytes) {
    if (d.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(bytes.byteLength);
  }
  return { url, init: { method: d.method, headers, ...(bytes ? { body: bytes as Uint8Array<ArrayBuffer> } : {}) } };
}

/** How a case is named in a failure: the operation, the mutation, and how to run it again. */
export function describeCase(opKey: string, mutation: string, seed: number): string {
  return `${opKey} — ${mutation} [FUZZ_SEED=${seed} FUZZ_OP='${opKey}']`;
}
