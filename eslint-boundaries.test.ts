/**
 * The architecture's boundaries, as eslint.config.js writes them: for each, one planted violation
 * at a realistic path is reported (by the rule expected), and the same code where it belongs is not.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  // The planted files do not exist, so the type-aware rules (floating promises) cannot type them:
  // this test is about the boundaries, which need no types.
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false } },
      rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
    },
  });
});

/** The rules that report `code` as if it were the file at `filePath` (which need not exist). */
async function rulesBroken(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

interface Boundary {
  name: string;
  code: string;
  rule: string;
  /** Where the code breaks the boundary. */
  violates: string;
  /** Where the same code is at home. */
  allowed: string;
}

const BOUNDARIES: Boundary[] = [
  {
    name: 'a host selector in a feature',
    code: `export const grid = () => document.querySelector<HTMLElement>('.cxm-results-grid');\n`,
    rule: 'no-restricted-syntax',
    violates: 'extension/features/phone-badges/grid.ts',
    allowed: 'extension/hosts/cxm-grid.ts',
  },
  {
    name: 'a host data attribute in the UI, in a template literal',
    code: `export const row = (root: HTMLElement, id: string) => root.closest(\`tr[data-person-id="\${id}"]\`);\n`,
    rule: 'no-restricted-syntax',
    violates: 'extension/ui/campaign/row.ts',
    allowed: 'extension/hosts/rows-by-id.ts',
  },
  {
    name: "a host's class inside a row the adapter gave",
    code: `export const link = (row: { element: HTMLElement }) => row.element.querySelector('td.name a');\n`,
    rule: 'no-restricted-syntax',
    violates: 'extension/features/bulk-text/link.ts',
    allowed: 'extension/hosts/rows.ts',
  },
  {
    name: 'a lookup by id in the content script',
    code: `export const main = () => document.getElementById('main');\n`,
    rule: 'no-restricted-syntax',
    violates: 'extension/entrypoints/content.ts',
    allowed: 'extension/hosts/crm.ts',
  },
  {
    name: 'fetch outside the API client',
    code: `export const load = (url: string) => fetch(url).then((r) => r.json());\n`,
    rule: 'no-restricted-globals',
    violates: 'extension/features/text-engagement-tab/load.ts',
    allowed: 'extension/lib/api-client.ts',
  },
  {
    name: 'fetch through globalThis in the background',
    code: `export const load = (url: string) => globalThis.fetch(url);\n`,
    rule: 'no-restricted-syntax',
    violates: 'extension/entrypoints/background.ts',
    allowed: 'extension/lib/api-client.ts',
  },
  {
    name: 'a service importing a route',
    code: `import { campaignRoutes } from '../routes/campaigns.js';\nexport const routes = campaignRoutes;\n`,
    rule: 'no-restricted-imports',
    violates: 'server/services/reports.ts',
    allowed: 'server/routes/reports.ts',
  },
  {
    name: 'a service importing the app',
    code: `import { createApp } from '../app.js';\nexport const app = createApp;\n`,
    rule: 'no-restricted-imports',
    violates: 'server/services/reports.ts',
    allowed: 'server/main-like.ts',
  },
  {
    name: "a service importing a provider's own module",
    code: `import { createTwilioProvider } from '../providers/twilio.js';\nexport const provider = createTwilioProvider;\n`,
    rule: 'no-restricted-imports',
    violates: 'server/services/reports.ts',
    allowed: 'server/providers/index.ts',
  },
  {
    name: "a provider's SDK outside server/providers/",
    code: `import twilio from 'twilio';\nexport const sdk = twilio;\n`,
    rule: 'no-restricted-imports',
    violates: 'server/routes/reports.ts',
    allowed: 'server/providers/twilio-sdk.ts',
  },
  {
    name: 'building the simulator outside its phone pages',
    code: `import { createSimulatorProvider } from '../providers/simulator.js';\nexport const make = createSimulatorProvider;\n`,
    rule: 'no-restricted-imports',
    violates: 'server/routes/candidates.ts',
    allowed: 'server/routes/simulator.ts',
  },
  {
    name: 'a provider named in the core',
    code: `export const isTwilio = (provider: string) => provider === 'twilio';\n`,
    rule: 'no-restricted-syntax',
    violates: 'server/services/reports.ts',
    allowed: 'server/providers/reports.ts',
  },
  {
    name: 'a provider named in the webhook route (it mounts every provider’s webhooks by their own paths)',
    code: `export const path = '/webhooks/twilio/status';\n`,
    rule: 'no-restricted-syntax',
    violates: 'server/routes/webhooks.ts',
    allowed: 'server/providers/twilio-paths.ts',
  },
  {
    name: "a synchronous query builder (SQLite's .get(); PostgreSQL has none)",
    code: `import type { Db } from '../db/types.js';\nexport const one = (db: Db) => db.orm.select().from(db.t.messages).get();\n`,
    rule: 'no-restricted-syntax',
    violates: 'server/services/reports.ts',
    allowed: 'server/db/reports.ts',
  },
  {
    name: 'a database driver outside server/db/',
    code: `import Database from 'better-sqlite3';\nexport const open = (path: string) => new Database(path);\n`,
    rule: 'no-restricted-imports',
    violates: 'server/services/reports.ts',
    allowed: 'server/db/reports.ts',
  },
  {
    name: 'a table imported from the schema instead of db.t (each engine has its own)',
    code: `import { messages } from '../db/schema.js';\nexport const table = messages;\n`,
    rule: 'no-restricted-imports',
    violates: 'server/services/reports.ts',
    allowed: 'server/db/reports.ts',
  },
  {
    name: "the driver's handle outside server/db/",
    code: `export const raw = (db: { $client: unknown }) => db.$client;\n`,
    rule: 'no-restricted-syntax',
    violates: 'server/routes/reports.ts',
    allowed: 'server/db/reports.ts',
  },
  {
    name: 'markup set in a feature (the store linters refuse it; the rule must survive the boundary objects)',
    code: `export const fill = (el: HTMLElement, html: string) => {\n  el.innerHTML = html;\n};\n`,
    rule: 'no-restricted-syntax',
    violates: 'extension/features/text-engagement-tab/fill.ts',
    allowed: 'server/routes/booking-page.ts',
  },
];

describe('lint boundaries', () => {
  for (const b of BOUNDARIES) {
    it(`reports ${b.name} (${b.violates}), not at ${b.allowed}`, async () => {
      expect(await rulesBroken(b.code, b.violates)).toContain(b.rule);
      expect(await rulesBroken(b.code, b.allowed)).toEqual([]);
    });
  }

  it("lets the extension's own UI query its own elements, and name the simulator's type", async () => {
    const own = [
      `export const items = (menu: HTMLElement) => [...menu.querySelectorAll<HTMLElement>('.te-cv-menu-item:not(:disabled), [role=menuitem]')];`,
      `export const invalid = (form: HTMLElement) => form.querySelector<HTMLElement>('input[name="te-consent"], [aria-invalid="true"]');`,
      `export const ours = (slot: HTMLElement, attr: string) => slot.querySelector(\`button[\${attr}]\`);`,
    ].join('\n');
    expect(await rulesBroken(`${own}\n`, 'extension/features/text-engagement-tab/own.ts')).toEqual([]);
    const typeOnly = `import type { SimulatorProvider } from './providers/simulator.js';\nexport type Phones = SimulatorProvider;\n`;
    expect(await rulesBroken(typeOnly, 'server/app-like.ts')).toEqual([]);
  });
});
