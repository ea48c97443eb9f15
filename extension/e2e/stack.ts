/**
 * The whole product for a browser test: a real server (simulator) on a seeded temp database,
 * the demo ATS pages, and headless Chromium with the built extension loaded.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type JSHandle, type Page } from 'puppeteer';
import { CHROMIUM, CHROMIUM_ARGS } from '../../fixtures/chromium';
import { serveFixtures } from '../../fixtures/serve';
import { openDatabase } from '../../server/db/client';
import { startServer } from '../../server/main';
import { seedDemo } from '../../server/seed/demo';
import { shadowRoots } from './scope';

export const EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/chrome-mv3');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface Stack {
  serverUrl: string;
  fixturesUrl: string;
  browser: Browser;
  extensionId: string;
  dir: string;
  server: Awaited<ReturnType<typeof startServer>>;
  /** A new tab. */
  page(): Promise<Page>;
  /** Signs in through the options page, as a person would. */
  signIn(email?: string, password?: string): Promise<void>;
  /** Signs in to the server's API directly (POST /api/auth/login), for a test's own requests. */
  apiSession(email?: string, password?: string): Promise<{ token: string; recruiter: { name: string } }>;
  /** Closes the browser and starts it again on the same profile (as a person quitting and reopening it); `browser` is the new one. */
  restartBrowser(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(options: { env?: Record<string, string> } = {}): Promise<Stack> {
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) {
    throw new Error(`The extension is not built: run "npm run build" first (${EXTENSION_DIR}).`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'te-e2e-'));
  const databasePath = join(dir, 'db.sqlite');
  const db = openDatabase(databasePath);
  await seedDemo(db);
  await db.close();

  const port = await freePort();
  const serverUrl = `http://localhost:${port}`;
  const server = await startServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_PATH: databasePath,
    PUBLIC_URL: serverUrl,
    TWILIO_AUTH_TOKEN: 'e2e-token',
    ...options.env,
  });
  const fixtures = await serveFixtures({ port: 0, host: '127.0.0.1' });
  const fixturesUrl = fixtures.url.replace('127.0.0.1', 'localhost');

  const launch = async () => {
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: join(dir, 'profile'),
      ignoreDefaultArgs: ['--disable-extensions'],
      args: [...CHROMIUM_ARGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
      env: { ...process.env, TMPDIR: dir },
    });
    const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'), { timeout: 15_000 });
    return { browser, extensionId: new URL(worker.url()).host };
  };
  const { browser, extensionId } = await launch();

  const stack: Stack = {
    serverUrl,
    fixturesUrl,
    browser,
    extensionId,
    dir,
    server,
    async page() {
      const page = await stack.browser.newPage();
      // E2E_CPU_THROTTLE=6: each tab runs as on a laptop six times slower (races show sooner).
      const rate = Number(process.env.E2E_CPU_THROTTLE ?? 0);
      if (rate > 1) await (await page.createCDPSession()).send('Emulation.setCPUThrottlingRate', { rate });
      return page;
    },
    async signIn(email = 'recruiter@acme.test', password = 'demo1234') {
      const page = await stack.browser.newPage();
      await page.goto(`chrome-extension://${extensionId}/options.html`);
      const url = await page.waitForSelector('input[name=serverUrl]');
      await url!.click({ count: 3 });
      await url!.type(serverUrl);
      await page.type('input[name=email]', email);
      await page.type('input[name=password]', password);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=signed-in-as]', { timeout: 10_000 });
      await page.close();
    },
    async apiSession(email = 'recruiter@acme.test', password = 'demo1234') {
      const res = await fetch(`${serverUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`Sign-in as ${email} failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { token: string; recruiter: { name: string } };
    },
    async restartBrowser() {
      await stack.browser.close();
      const again = await launch();
      stack.browser = again.browser;
      stack.extensionId = again.extensionId;
    },
    async close() {
      await stack.browser.close().catch(() => undefined);
      await Promise.allSettled([server.close(), fixtures.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * Where the end-to-end tests save their screenshots: docs/screenshots with `npm run screenshots`
 * (the pictures the docs show), else .tmp/screenshots, so a plain test run leaves git clean.
 */
const SCREENSHOTS_DIR = resolve(import.meta.dirname, '../..', process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : '.tmp/screenshots');

/** Where the screenshot `name` (with or without .png) goes; its folder exists on return. */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return join(SCREENSHOTS_DIR, name.endsWith('.png') ? name : `${name}.png`);
}

/**
 * A screenshot of the page once its finite animations (a dialog fading in, say) have ended, so
 * the picture shows what a person sees, not a half-transparent frame. Animations in shadow roots
 * count too; endless ones (a live dot, a spinner) are left running.
 */
export async function screenshotSettled(page: Page, name: string): Promise<void> {
  // The extension's shadow roots are closed: found through DevTools, not element.shadowRoot.
  const roots: JSHandle<DocumentOrShadowRoot>[] = [await page.evaluateHandle(() => document), ...(await shadowRoots(page))];
  await Promise.all(
    roots.map(async (root) => {
      await root.evaluate(async (r) => {
        const finite = r.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity);
        await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
      });
      await root.dispose();
    }),
  );
  await page.screenshot({ path: screenshotPath(name) });
}
