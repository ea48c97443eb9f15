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
    const shutdown = async () => {
      await close();
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
