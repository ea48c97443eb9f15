/**
 * The administrator's candidate import on the options page, end to end: headless Chromium with
 * the built extension (npx wxt build first) and the real server. A CSV with good and bad rows is
 * imported; the page shows the progress, then the exact counts and the refused rows, and
 * "Download errors (CSV)" saves them as a file (Chromium's download, read back from disk).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, ImportStatus } from '../../shared/api';
import { screenshotPath, startStack, type Stack } from './stack';

let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  await stack.signIn();
  token = (await stack.apiSession()).token;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/**
 * Seven rows (the header is row 1): two new candidates (one name with a comma), one that changes
 * (10002's job), one exactly as the server has it (10001), and three refused: a phone that is no
 * number, no first name, and an atsId already on row 2.
 */
const CSV = [
  'atsId,firstName,lastName,email,phone,consent,consentSource,jobTitle',
  'I-1,Ana,Lima,ana.lima@example.com,(212) 555-0123,granted,Career fair sign-up sheet,Forklift Operator',
  'I-2,Ben,Okafor,,12,,,',
  'I-3,,Stone,,(305) 555-0111,,,',
  'I-1,Ana,Lima,,,,,',
  '10001,Maria,Garcia,maria.garcia@example.com,(212) 555-0101,,,Warehouse Associate',
  '10002,James,Wilson,james.wilson@example.com,(305) 555-0154,,,Night Shift Driver',
  'I-4,"Chen, Jr.",Wei,,,,,',
].join('\n');

async function openOptions(): Promise<Page> {
  const page = await stack.page();
  await page.setViewport({ width: 1100, height: 1000 });
  await page.goto(`chrome-extension://${stack.extensionId}/options.html`);
  await page.waitForSelector('[data-testid=signed-in-as]');
  return page;
}

function writeFile(name: string, text: string): string {
  const path = join(stack.dir, name);
  writeFileSync(path, text);
  return path;
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.serverUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Chromium saves downloads into `dir`; `next()` resolves with the name of the next one completed. */
async function watchDownloads(dir: string): Promise<{ session: CDPSession; next(): Promise<string> }> {
  const session = await stack.browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir, eventsEnabled: true });
  const names = new Map<string, string>();
  const waiting: ((name: string) => void)[] = [];
  session.on('Browser.downloadWillBegin', (e) => names.set(e.guid, e.suggestedFilename));
  session.on('Browser.downloadProgress', (e) => {
    if (e.state === 'completed') waiting.shift()?.(names.get(e.guid)!);
  });
  return { session, next: () => new Promise<string>((resolve) => waiting.push(resolve)) };
}

/** The errors as the test expects the CSV to say them (its own escaping, not the extension's). */
function expectedCsv(errors: ImportStatus['errors']): string {
  const cell = (v: string | number | undefined) => {
    const s = v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return ['row,atsId,field,message', ...errors.map((e) => [e.row, e.atsId, e.field, e.message].map(cell).join(','))].join('\r\n') + '\r\n';
}

describe('Import candidates on the options page', () => {
  it('imports a CSV: progress, then the exact counts and the refused rows, which download as a CSV', async () => {
    const page = await openOptions();
    await page.waitForSelector('[data-testid=te-import] h2');
    expect(await page.$eval('[data-testid=te-import] h2', (h) => h.textContent)).toBe('Import candidates');

    // Whether a progress bar showed at any point, however short the import.
    await page.evaluate(() => {
      const seen = window as unknown as { __progressSeen: boolean };
      seen.__progressSeen = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid=te-import-progress] progress')) seen.__progressSeen = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    const input = (await page.$('input[type=file][name=te-import-file]'))!;
    await input.uploadFile(writeFile('candidates.csv', CSV));
    await page.locator('[data-testid=te-import] button[type=submit]:not([disabled])').click();

    await page.waitForSelector('[data-testid=te-import-outcome][data-status=done]', { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { __progressSeen: boolean }).__progressSeen)).toBe(true);
    const counts = await page.$$eval('[data-testid=te-import-counts] > div', (items) =>
      items.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent]),
    );
    expect(counts).toEqual([
      ['Created', '2'],
      ['Updated', '1'],
      ['Unchanged', '1'],
      ['Failed', '3'],
    ]);
    expect(await page.$eval('[data-testid=te-import-outcome] [role=status]', (n) => n.textContent)).toBe('Imported 4 of 7 rows; 3 could not be imported.');

    // The refused rows: row number as a spreadsheet counts it (header = 1), atsId, field, why.
    const rows = await page.$$eval('[data-testid=te-import-errors] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(rows.map(([row, atsId, field]) => [row, atsId, field])).toEqual([
      ['3', 'I-2', 'phone'],
      ['4', 'I-3', 'firstName'],
      ['5', 'I-1', 'atsId'],
    ]);
    expect(rows[0]![3]).toMatch(/"12" is not a valid phone number/);
    expect(rows[1]![3]).toMatch(/firstName/);
    expect(rows[2]![3]).toMatch(/more than once.*row 2/);
    await page.screenshot({ path: screenshotPath('import-results.png'), fullPage: true });

    // What the server wrote.
    const [ana, chen, james] = await Promise.all(['I-1', 'I-4', '10002'].map((id) => api<Candidate>(`/api/candidates/${id}`)));
    expect(ana).toMatchObject({ firstName: 'Ana', phone: '+12125550123', textable: true, consent: { status: 'granted', source: 'Career fair sign-up sheet' } });
    expect(chen).toMatchObject({ firstName: 'Chen, Jr.', lastName: 'Wei', phone: null });
    expect(james!.jobTitle).toBe('Night Shift Driver');

    // Download errors (CSV): the file Chromium saves is the table, as CSV.
    const downloads = await watchDownloads(stack.dir);
    try {
      const saved = downloads.next();
      await page.locator('::-p-text(Download errors (CSV))').click();
      const name = await saved;
      expect(name).toMatch(/^import-errors-imp_[\w-]+\.csv$/);
      const importId = name.slice('import-errors-'.length, -'.csv'.length);
      const status = await api<ImportStatus>(`/api/imports/${importId}`);
      expect(status).toMatchObject({ status: 'done', total: 7, created: 2, updated: 1, unchanged: 1, failed: 3 });
      const text = readFileSync(join(stack.dir, name), 'utf8');
      expect(text.startsWith('\uFEFF')).toBe(true);
      expect(text.slice(1)).toBe(expectedCsv(status.errors));
      expect(
        text
          .slice(1)
          .split('\r\n')
          .slice(1, 4)
          .map((line) => line.split(',').slice(0, 3).join(',')),
      ).toEqual(['3,I-2,phone', '4,I-3,firstName', '5,I-1,atsId']);
    } finally {
      await downloads.session.detach();
    }
    await page.close();
  });

  it('a large file: the progress bar follows the rows as the server writes them', async () => {
    const page = await openOptions();
    await page.waitForSelector('[data-testid=te-import]');
    // Every text the progress line shows, in order.
    await page.evaluate(() => {
      const seen = window as unknown as { __progress: string[] };
      seen.__progress = [];
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=te-import-progress] p')?.textContent;
        if (text && seen.__progress.at(-1) !== text) seen.__progress.push(text);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    const rows = 20_000;
    const lines = ['atsId,firstName,lastName,jobTitle', ...Array.from({ length: rows }, (_, i) => `BULK-${i + 1},Candidate,Number ${i + 1},Picker`)];
    await (await page.$('input[type=file][name=te-import-file]'))!.uploadFile(writeFile('bulk.csv', lines.join('\n')));
    await page.locator('[data-testid=te-import] button[type=submit]:not([disabled])').click();
    // The server's first answer shows for a poll's interval at least: long enough for a picture.
    await page.waitForFunction(() => document.querySelector('[data-testid=te-import-progress] p')?.textContent?.startsWith('Importing…'), { polling: 50 });
    await page.screenshot({ path: screenshotPath('import-progress.png'), fullPage: true });
    await page.waitForSelector('[data-testid=te-import-outcome][data-status=done]', { timeout: 60_000 });

    const seen = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress);
    expect(seen[0]).toBe('Sending the file…');
    expect(seen).toContain('Importing… 0 of 20,000 rows');
    const done = seen.slice(1).map((t) => Number(/Importing… ([\d,]+) of/.exec(t)![1]!.replaceAll(',', '')));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(await page.$eval('[data-testid=te-import-counts] [data-count=created] dd', (n) => n.textContent)).toBe('20,000');
    expect(await page.$eval('[data-testid=te-import-outcome] [role=status]', (n) => n.textContent)).toBe('Imported all 20,000 rows.');
    expect(await page.$('[data-testid=te-import-errors]')).toBeNull();
    await page.close();
  });

  it("a file the server can't read shows its message; one too big is refused before it is sent", async () => {
    const page = await openOptions();
    const input = (await page.waitForSelector('input[type=file][name=te-import-file]'))!;
    await input.uploadFile(writeFile('wrong-header.csv', 'atsId,firstName,lastName,mobile\n10001,Maria,Garcia,555\n'));
    await page.locator('[data-testid=te-import] button[type=submit]:not([disabled])').click();
    const error = await page.waitForSelector('[data-testid=te-import-error]');
    expect(await error!.evaluate((n) => n.textContent)).toMatch(/^The header has a column we don't know: "mobile"/);
    expect(await page.$('[data-testid=te-import-outcome]')).toBeNull();
    await page.screenshot({ path: screenshotPath('import-invalid-file.png'), fullPage: true });

    await input.uploadFile(writeFile('huge.csv', 'atsId,firstName,lastName\n' + 'x'.repeat(33 * 1024 * 1024)));
    await page.waitForFunction(() => document.querySelector('[data-testid=te-import-error]')?.textContent?.startsWith('huge.csv is larger than 32 MB'), {
      polling: 50,
    });
    expect(await page.$eval('[data-testid=te-import] button[type=submit]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.close();
  });

  it('is not there for a recruiter who is not an administrator', async () => {
    const options = await openOptions();
    await options.locator('::-p-text(Sign out)').click();
    await options.waitForSelector('input[name=email]');
    await options.close();
    await stack.signIn('nolicense@acme.test');
    const page = await openOptions();
    expect(await page.$eval('[data-testid=signed-in-as]', (n) => n.textContent)).toContain('nolicense@acme.test');
    expect(await page.$('[data-testid=te-import]')).toBeNull();
    expect(await page.$$eval('h2', (hs) => hs.map((h) => h.textContent))).toEqual(['Signed in']);
    await page.close();
  });
});
