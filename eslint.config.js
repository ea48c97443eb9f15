// @ts-check
/**
 * Lint: typescript-eslint's recommended rules (formatting is Prettier's), plus the boundaries
 * the architecture keeps (docs/ARCHITECTURE.md), as core rules per file glob. Each boundary is
 * tested by planting a violation: eslint-boundaries.test.ts.
 *
 * A rule set in a later object replaces the same rule from an earlier one for the files both
 * match (options are not merged), so each object below lists every pattern its files need.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.test.ts', '**/*.test.tsx'];

// ── Extension: network only in the background's API client ──────────────────────────────────
// Content scripts and pages ask the background (lib/relay.ts); the background's one door to the
// server is lib/api-client.ts (requests and the event stream), where the session's token lives.
const NETWORK = ['fetch', 'XMLHttpRequest', 'EventSource', 'WebSocket'];
const NETWORK_MESSAGE = 'Network calls go through the background: lib/api-client.ts (elsewhere, request() from lib/relay.ts).';
const NETWORK_GLOBALS = NETWORK.map((name) => ({ name, message: NETWORK_MESSAGE }));
const NETWORK_SYNTAX = [
  { selector: `MemberExpression[object.name=/^(globalThis|window|self)$/][property.name=/^(${NETWORK.join('|')})$/]`, message: NETWORK_MESSAGE },
];

// ── Extension: host selectors only in extension/hosts/ ───────────────────────────────────────
// A host selector is one that names the ATS's own markup: its classes (cxm-subtab, crm-pane),
// ids, and data attributes (data-person-id, data-candidate-ref). Those live in the adapters, so
// a host redesign touches one file per host; features and the UI ask the HostAdapter for rows,
// slots and tabs. The extension's own elements may still be queried, in its shadow roots and
// where it put them in the page: a selector literal outside hosts/ may name tags, the
// extension's `te-` classes and ids, `data-te-*` attributes, ARIA and form attributes, and
// pseudo-classes, nothing else. Lookups by id, class or name (getElementById,
// getElementsBy*) only find host markup, so they are not used outside the adapters at all; nor
// are the hosts' class prefixes (cxm-, crm-), also when kept in a constant first.
// The extension's own pages (popup, options) have no host: their DOM is theirs.
const QUERY_METHODS = '/^(querySelector|querySelectorAll|closest|matches|webkitMatchesSelector)$/';
const FOREIGN_SELECTOR = String.raw`/\.(?!te-)[A-Za-z_]|#(?!te-)[A-Za-z_]|\[\s*(?!data-te-|aria-|(role|name|type|disabled|hidden|tabindex|href|value|checked)\b)[A-Za-z]/`;
const HOST_PREFIX = String.raw`/(^|[^\w-])(cxm|crm)-[a-z]/`;
const HOST_MESSAGE = 'Host markup is read only in extension/hosts/ (ask the HostAdapter); outside it, select only the extension’s own te- elements.';
const HOST_SELECTOR_SYNTAX = [
  {
    selector: `CallExpression[callee.property.name=${QUERY_METHODS}][arguments.0.type='Literal'][arguments.0.value=${FOREIGN_SELECTOR}]`,
    message: HOST_MESSAGE,
  },
  {
    selector: `CallExpression[callee.property.name=${QUERY_METHODS}] > TemplateLiteral > TemplateElement[value.raw=${FOREIGN_SELECTOR}]`,
    message: HOST_MESSAGE,
  },
  {
    selector: 'CallExpression[callee.property.name=/^(getElementById|getElementsByClassName|getElementsByName|getElementsByTagName|getElementsByTagNameNS)$/]',
    message: HOST_MESSAGE,
  },
  { selector: `Literal[value=${HOST_PREFIX}]`, message: HOST_MESSAGE },
  { selector: `TemplateElement[value.raw=${HOST_PREFIX}]`, message: HOST_MESSAGE },
];

// ── Server: services never import routes or the app ──────────────────────────────────────────
// The HTTP layer (routes/, app.ts) calls services, never the other way round: a service is
// usable from a test, a job or another route without Hono.
const ROUTES = {
  regex: String.raw`(^|/)(routes(/|$)|app(\.js)?$)`,
  message: 'The core (services, lib, assistant, db, providers) does not import routes or the app: they call it.',
};

// ── Server: only server/providers/ knows a provider ──────────────────────────────────────────
// Outside server/providers/ the server speaks the product's terms (types.ts: sends, reports,
// failure reasons); index.ts picks the provider and lists its webhooks, config.ts its settings.
// A provider's own modules (twilio*.ts and the like) and SDK stay inside, so a second provider
// touches only that folder (routes/webhooks.ts mounts every provider's webhooks). The simulator is a provider too: its type may
// be named (the app hands it to the routes of its phone pages), and those routes, which drive
// it, may import it; nothing else builds one. Tests construct providers directly.
const PROVIDER_MESSAGE = 'Only server/providers/ knows a provider: import providers/types, providers/index or providers/config.';
const PROVIDER_INTERNALS = { regex: String.raw`(^|/)providers/(?!(types|index|config|simulator)(\.js)?$)[^/]+$`, message: PROVIDER_MESSAGE };
const SIMULATOR = { regex: String.raw`(^|/)providers/simulator(\.js)?$`, allowTypeImports: true, message: PROVIDER_MESSAGE };
const PROVIDER_SDKS = { regex: '^twilio(/|$)', message: PROVIDER_MESSAGE };
const PROVIDER_NAMES = String.raw`/twilio/i`;
const PROVIDER_NAME_SYNTAX = [
  { selector: `Literal[value=${PROVIDER_NAMES}]`, message: 'No provider is named outside server/providers/.' },
  { selector: `TemplateElement[value.raw=${PROVIDER_NAMES}]`, message: 'No provider is named outside server/providers/.' },
  { selector: `Identifier[name=${PROVIDER_NAMES}]`, message: 'No provider is named outside server/providers/.' },
];
const SERVER_NOT_PROVIDERS = { files: ['server/**/*.ts'], ignores: [...TESTS, 'server/test/**', 'server/providers/**'] };

// ── Extension: text, never markup ──
// What addons.mozilla.org's linter flags, and what lets scripts/lint-firefox.ts accept Preact's own
// innerHTML path. Every extension object that sets no-restricted-syntax repeats these (in flat
// config a later object's options replace an earlier one's).
const MARKUP_SYNTAX = [
  { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'Render text, not HTML (store review flags it).' },
  { selector: 'AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]', message: 'Set textContent or build nodes, not HTML.' },
  { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'Build nodes, not HTML.' },
];

// ── Server: one data layer for SQLite and PostgreSQL ──────────────────────────────────────────
// Services reach the database through the async Db (server/db/types.ts): builders are awaited
// (`.get()/.all()/.run()/.values()` exist on SQLite's builders only), tables come from `db.t`
// (each engine has its own), and only server/db/ knows the drivers. Tests may open an SQLite
// file themselves, to read what a child process wrote.
const SYNC_QUERY_MESSAGE = 'Await the query builder (first() for one row): .get()/.all()/.run()/.values() exist on SQLite only.';
const DB_SYNTAX = [
  {
    selector:
      "CallExpression[arguments.length=0][callee.type='MemberExpression'][callee.property.name=/^(get|all|run|values)$/][callee.object.type='CallExpression']",
    message: SYNC_QUERY_MESSAGE,
  },
  { selector: "MemberExpression[property.name='$client']", message: 'The driver stays in server/db/: use the Db.' },
];
const DB_DRIVERS = {
  regex: String.raw`^(better-sqlite3|pg|drizzle-orm/(better-sqlite3|node-postgres|sqlite-proxy))(/|$)`,
  message: 'Only server/db/ opens the database drivers.',
};
const SCHEMA_VALUES = {
  regex: String.raw`(^|/)db/schema(\.pg)?(\.js)?$`,
  allowTypeImports: true,
  message: 'Tables come from db.t (each engine has its own objects); import only types from the schema.',
};

/** @param {object[]} patterns */
const restrictImports = (...patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['node_modules/', '.output/', '.wxt/', '.tmp/', 'data/', 'coverage/', 'server/db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The extension puts text in host pages and its own, never markup: what addons.mozilla.org's
    // linter would flag, and what lets scripts/lint-firefox.ts accept Preact's innerHTML path.
    files: ['extension/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', 'extension/e2e/**', 'extension/hosts/__fixtures__/**'],
    rules: {
      'no-restricted-syntax': ['error', ...MARKUP_SYNTAX],
      'no-restricted-properties': ['error', { object: 'document', property: 'write', message: 'Build nodes, not HTML.' }],
    },
  },
  {
    // Tests read loosely typed JSON from the server they drive.
    files: ['**/*.test.ts', '**/*.test.tsx', 'extension/e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // ── Extension boundaries ──
  {
    files: ['extension/**/*.{ts,tsx}'],
    // Tests and the fixture capture script run in Node, not in the extension.
    ignores: [...TESTS, 'extension/e2e/**', 'extension/hosts/__fixtures__/**', 'extension/lib/api-client.ts'],
    rules: {
      'no-restricted-globals': ['error', ...NETWORK_GLOBALS],
      'no-restricted-syntax': ['error', ...NETWORK_SYNTAX, ...MARKUP_SYNTAX],
    },
  },
  {
    // What runs in (or is rendered into) the host page, outside the adapters.
    files: ['extension/{features,ui,lib}/**/*.{ts,tsx}', 'extension/entrypoints/{content,bulk-text-dialog}.ts'],
    ignores: [...TESTS, 'extension/lib/api-client.ts'],
    rules: { 'no-restricted-syntax': ['error', ...NETWORK_SYNTAX, ...HOST_SELECTOR_SYNTAX, ...MARKUP_SYNTAX] },
  },

  // ── Server boundaries ──
  {
    ...SERVER_NOT_PROVIDERS,
    ignores: [...SERVER_NOT_PROVIDERS.ignores, 'server/db/**'],
    rules: { 'no-restricted-imports': restrictImports(PROVIDER_INTERNALS, SIMULATOR, PROVIDER_SDKS, DB_DRIVERS, SCHEMA_VALUES) },
  },
  {
    files: ['server/{services,lib,assistant}/**/*.ts'],
    ignores: [...TESTS],
    rules: { 'no-restricted-imports': restrictImports(PROVIDER_INTERNALS, SIMULATOR, PROVIDER_SDKS, ROUTES, DB_DRIVERS, SCHEMA_VALUES) },
  },
  // The cross-instance event bus holds its own PostgreSQL connection (LISTEN).
  {
    files: ['server/lib/cluster-bus.ts'],
    rules: { 'no-restricted-imports': restrictImports(PROVIDER_INTERNALS, SIMULATOR, PROVIDER_SDKS, ROUTES, SCHEMA_VALUES) },
  },
  {
    files: ['server/db/**/*.ts'],
    ignores: [...TESTS],
    rules: { 'no-restricted-imports': restrictImports(PROVIDER_INTERNALS, SIMULATOR, PROVIDER_SDKS, ROUTES) },
  },
  { files: ['server/providers/**/*.ts'], ignores: [...TESTS], rules: { 'no-restricted-imports': restrictImports(ROUTES, DB_DRIVERS, SCHEMA_VALUES) } },
  // The simulator's phone pages drive the simulator itself.
  { files: ['server/routes/simulator*.ts'], rules: { 'no-restricted-imports': restrictImports(PROVIDER_INTERNALS, PROVIDER_SDKS, DB_DRIVERS, SCHEMA_VALUES) } },
  {
    ...SERVER_NOT_PROVIDERS,
    ignores: [...SERVER_NOT_PROVIDERS.ignores, 'server/db/**'],
    rules: { 'no-restricted-syntax': ['error', ...PROVIDER_NAME_SYNTAX, ...DB_SYNTAX] },
  },
  { files: ['server/providers/**/*.ts'], ignores: [...TESTS], rules: { 'no-restricted-syntax': ['error', ...DB_SYNTAX] } },
  // Async code: a promise is awaited or deliberately let go (`void`), never dropped by mistake.
  {
    files: ['server/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/no-misused-promises': 'error' },
  },

  prettier,
);
