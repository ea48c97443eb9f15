/**
 * One server instance of bench/cluster-throughput.ts, in its own process: startServer() exactly
 * as `npm run server` runs it (configured by the environment the benchmark gives it: DATABASE_URL
 * or DATABASE_PATH, PORT, INSTANCE_ID…), on a database the benchmark seeded. Answers `cpu`.
 */
import { startServer } from '../../server/main.js';
import { serveChildBasics } from './child.js';

const running = await startServer(process.env);
serveChildBasics(() => running.close());
process.send?.({ type: 'ready', port: running.config.port });
