/**
 * The baseline: a bare Hono hello-world on @hono/node-server, in its own process.
 * Env: PORT, HOST.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { serveChildBasics } from './child.js';

const port = Number(process.env.PORT);
const hostname = process.env.HOST ?? '127.0.0.1';
const app = new Hono();
app.post('/x', (c) => c.text('ok'));
const server = serve({ fetch: app.fetch, port, hostname });
server.once('listening', () => process.send?.({ type: 'ready', port }));
serveChildBasics(() => new Promise<void>((resolve) => server.close(() => resolve())));
