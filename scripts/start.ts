/**
 * `npm start`: the whole demo on one machine. Seeds an empty database with the demo data,
 * starts the API server (simulator provider unless PROVIDER says otherwise), serves the demo
 * ATS pages, and prints where everything is.
 */
import { spawnSync } from 'node:child_process';
import { count } from 'drizzle-orm';
import { demoRecruiters, DEMO_PASSWORD } from '../fixtures/demo/index.js';
import { serveFixtures } from '../fixtures/serve.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { connectDatabase, describeDatabase } from '../server/db/client.js';
import { startServer } from '../server/main.js';
import { seedDemo } from '../server/seed/demo.js';

/** Builds the extension so what is loaded unpacked matches the sources. */
function buildExtension(): boolean {
  console.log('Building the browser extension (wxt build)…');
  const result = spawnSync(process.execPath, ['node_modules/wxt/bin/wxt.mjs', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) console.error('The extension build failed (see above); the server and demo pages start anyway.');
  return result.status === 0;
}

async function main() {
  const config = loadConfig();
  const built = buildExtension();
  const db = await connectDatabase(config);
  const [orgs] = await db.orm.select({ n: count() }).from(db.t.organizations);
  const empty = (orgs?.n ?? 0) === 0;
  if (empty) {
    const added = await seedDemo(db, Date.now(), { provider: config.provider });
    console.log(`Seeded the demo data into ${describeDatabase(config)} (${added.candidates} candidates).`);
  }
  await db.close();

  const server = await startServer();
  const fixturesPort = Number(process.env.FIXTURES_PORT ?? 8788);
  const fixtures = await serveFixtures({ port: fixturesPort, host: config.host });
  const extensionDir = '.output/chrome-mv3';

  const line = '─'.repeat(72);
  console.log(`\n${line}
 Text Engagement demo is running
${line}
 API server        ${config.publicUrl}   (provider: ${config.provider})
 Phone simulator   ${config.publicUrl}/simulator
 Demo ATS (CXM)    ${fixtures.url}/cxm/
 Demo ATS (CRM)    ${fixtures.url}/crm/
 API reference     ${config.publicUrl}/api/openapi.json
 Your ATS's data   an admin creates a key (POST /api/api-keys), then PUT /api/candidates/:atsId
                   or POST /api/candidates/import (README: Connect your ATS)
 Extension         ${built ? extensionDir : `${extensionDir} (build failed: run npm run build)`}
                   load it unpacked at chrome://extensions (Developer mode)

 Sign in (password ${DEMO_PASSWORD} for all):
${demoRecruiters.map((r) => `   ${r.email.padEnd(24)} ${r.licensed ? 'licensed' : 'no licence'}${r.isAdmin ? ', admin' : ''}`).join('\n')}
${line}
 Ctrl+C stops everything.
`);

  const shutdown = async () => {
    await Promise.allSettled([server.close(), fixtures.close()]);
    process.exit(0);
  };
  // shutdown settles every close and exits: nothing of it can reject.
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  if (err && typeof err === 'object' && 'code' in err && err.code === 'EADDRINUSE') {
    console.error(`A port is already in use (${(err as Error).message}). Set PORT or FIXTURES_PORT to a free one.`);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
