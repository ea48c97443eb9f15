/** `npm run server`: the API server alone, configured by the environment (see README). */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { connectDatabase, describeDatabase } from './db/client.js';
import { simulatorSenderWarnings } from './seed/simulator-senders.js';

export async function startServer(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(env);
  const db = await connectDatabase(config);
  if (config.provider !== 'simulator') for (const warning of await simulatorSenderWarnings(db, config.simulator)) console.warn(warning);
  const server = await createApp({ db, config });
  server.start();
  const http = serve({ fetch: server.app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    http.once('listening', () => resolve());
    http.once('error', reject);
  });
  const close = async () => {
    await server.stop();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await db.close();
  };
  return { config, db, server, http, close };
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('server/main.ts');
if (isMain) {
  try {
    const { config, close } = await startServer();
    console.log(`Text Engagement server on http://${config.host}:${config.port} (provider: ${config.provider}, database: ${describeDatabase(config)})`);
    // Drain (readiness 503, no new claims, in-flight texts finish, streams end), but never for
    // longer than DRAIN_TIMEOUT_MS: what is still held then keeps its lease, which lapses, and
    // another instance recovers it as after a crash.
    const shutdown = async () => {
      console.log(`Draining (at most ${config.drainTimeoutMs} ms)…`);
      const deadline = setTimeout(() => {
        console.warn('Drain timed out; exiting with texts still in flight (their leases lapse and another instance recovers them).');
        process.exit(0);
      }, config.drainTimeoutMs);
      await close();
      clearTimeout(deadline);
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    if (err && typeof err === 'object' && 'code' in err && err.code === 'EADDRINUSE') {
      console.error(`Port in use: set PORT to a free port (${(err as { message?: string }).message}).`);
      process.exit(1);
    }
    throw err;
  }
}
