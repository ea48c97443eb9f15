/**
 * Lints the Firefox package (.output/text-engagement-<version>-firefox.zip, made by `npm run zip`)
 * with Mozilla's addons-linter, the checks addons.mozilla.org runs on upload (npm test runs both). Any error fails, and
 * so does any warning or notice except the ones below, each a false positive (or one that does
 * not apply to this add-on) for the reason written beside it. A new finding has to be fixed, or
 * understood and added here with its reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const ZIP = join(ROOT, '.output', `${name}-${version}-firefox.zip`);
/** What the zip was made of (wxt zip builds this folder, then zips it). */
const BUILD_DIR = join(ROOT, '.output', 'firefox-mv3');

interface Finding {
  _type: 'error' | 'warning' | 'notice';
  code: string;
  message: string;
  description?: string | string[];
  file?: string;
  line?: number;
  column?: number;
}

interface Accepted {
  code: string;
  /** Where in the built code (or manifest) this finding is, told by what is there, not by a minified name. */
  matches(finding: Finding, source: (finding: Finding) => { at: string }): boolean;
  why: string;
}

const ACCEPTED: Accepted[] = [
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    // In every bundle with Preact in it (the content script, the Bulk Text popup, the popup and
    // options pages' shared chunk).
    matches: (f, source) => f.message === 'Unsafe assignment to innerHTML' && /^[\w$]+\.innerHTML=[\w$]+\.__html\b/.test(source(f).at),
    why:
      "Preact's renderer: `dom.innerHTML = props.dangerouslySetInnerHTML.__html`, run only for an element " +
      'rendered with dangerouslySetInnerHTML. The extension never renders one (ESLint forbids it, and any ' +
      'innerHTML/outerHTML/insertAdjacentHTML, in extension/: eslint.config.js); every string it shows is text.',
  },
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    matches: (f, source) =>
      f.message === 'Unsafe call to import for argument 0' &&
      f.file === 'content-scripts/content.js' &&
      // import(browser.runtime.getURL(path)), minified: import(S.runtime.getURL(e))
      /^import\([\w$]+\.runtime\.getURL\([\w$]+\)\)/.test(source(f).at),
    why:
      "The content script loads the Text Engagement panel's and the Bulk Text popup's scripts when they are first " +
      "opened: import(browser.runtime.getURL(path)) (lib/load-script.ts), with path '/text-engagement-panel.js' or " +
      "'/bulk-text-dialog.js'. The URL is the extension's own packaged file, made from a constant; nothing from the " +
      'page or the server reaches it.',
  },
  {
    code: 'KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION',
    matches: (f) => f.file === 'manifest.json' && /data_collection_permissions/.test(String(f.description)),
    why:
      'Firefox for Android has data_collection_permissions from 142, and the linter measures the desktop minimum ' +
      '(140, wxt.config.ts) against it. The add-on is not offered on Android: the manifest has no gecko_android key, ' +
      'which is what makes addons.mozilla.org list an add-on for Android.',
  },
];

if (!existsSync(ZIP)) {
  console.error(`No Firefox package at ${relative(ROOT, ZIP)}: run "npm run zip" first.`);
  process.exit(1);
}

const bin = createRequire(import.meta.url).resolve('addons-linter/bin/addons-linter');
const run = spawnSync(process.execPath, [bin, '--output', 'json', ZIP], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report: { errors: Finding[]; warnings: Finding[]; notices: Finding[] };
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`addons-linter did not report (exit ${run.status}):\n${run.stderr || run.stdout}`);
  process.exit(1);
}

/** The built file's text at the finding's position (line and column count from 1). */
const files = new Map<string, string[]>();
function source(f: Finding): { at: string } {
  if (!f.file || !f.line || f.column === undefined) return { at: '' };
  if (!files.has(f.file)) {
    const path = join(BUILD_DIR, f.file);
    files.set(f.file, existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []);
  }
  const line = files.get(f.file)![f.line - 1] ?? '';
  const at = f.column - 1;
  return { at: line.slice(at, at + 200) };
}

const findings = [...report.errors, ...report.warnings, ...report.notices];
const where = (f: Finding) => (f.file ? ` (${f.file}${f.line ? `:${f.line}:${f.column}` : ''})` : '');
let failed = 0;
const used = new Set<Accepted>();
for (const f of findings) {
  const accepted = f._type === 'error' ? undefined : ACCEPTED.find((a) => a.code === f.code && a.matches(f, source));
  if (accepted) {
    used.add(accepted);
    console.log(`accepted ${f._type} ${f.code}${where(f)}: ${f.message}\n  why: ${accepted.why}`);
  } else {
    failed++;
    const description = Array.isArray(f.description) ? f.description.join(' ') : (f.description ?? '');
    console.error(`${f._type.toUpperCase()} ${f.code}${where(f)}: ${f.message}\n  ${description}`);
  }
}
for (const a of ACCEPTED) if (!used.has(a)) console.log(`note: the accepted ${a.code} finding no longer appears; its entry in scripts/lint-firefox.ts can go.`);

const { errors, warnings, notices } = { errors: report.errors.length, warnings: report.warnings.length, notices: report.notices.length };
console.log(
  `\naddons-linter on ${relative(ROOT, ZIP)}: ${errors} errors, ${warnings} warnings, ${notices} notices; ${findings.length - failed} accepted, ${failed} not.`,
);
process.exit(failed ? 1 : 0);
