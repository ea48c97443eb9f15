import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isLoopbackHostname } from '../shared/loopback.js';
import { loadConfig, type AppConfig } from './config.js';
import type { Db } from './db/client.js';
import { isUnstorableText } from './db/postgres.js';
import { consoleLogger, type Deps, type Logger } from './deps.js';
import { systemClock, type Clock } from './lib/clock.js';
import { ApiError } from './lib/errors.js';
import { pgConnections } from './db/postgres.js';
import { ClusterBus } from './lib/cluster-bus.js';
import { EventBus } from './lib/events.js';
import { errorBody, limitBody, requireJson, type AppEnv } from './lib/http.js';
import { openApiDocument } from './openapi.js';
import { isSimulator, providerFor, providerWebhooks, readLegacyStatusReports } from './providers/index.js';
import type { Provider } from './providers/types.js';
import { authRoutes } from './routes/auth.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { bookingRoutes } from './routes/booking.js';
import { candidateDataRoutes } from './routes/candidate-data.js';
import { campaignRoutes } from './routes/campaigns.js';
import { candidateRoutes } from './routes/candidates.js';
import { eventRoutes } from './routes/events.js';
import { organizationRoutes } from './routes/organization.js';
import { sequenceRoutes } from './routes/sequences.js';
import { simulatorRoutes } from './routes/simulator.js';
import { templateRoutes } from './routes/templates.js';
import { webhookRoutes } from './routes/webhooks.js';
import { isApiKey } from './services/api-keys.js';
import { createServices } from './services/index.js';
import { mediaRoutes } from './routes/media.js';

export interface CreateAppOptions {
  db: Db;
  clock?: Clock;
  /** Defaults to the one config.provider names. */
  provider?: Provider;
  config?: AppConfig;
  log?: Logger;
}

/**
 * The whole server as a value: the Hono app, its services, and the background dispatcher
 * (started with `start()`). Nothing lives at module level, so tests build as many as they like.
 */
export async function createApp(options: CreateAppOptions) {
  const config = options.config ?? loadConfig({});
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger;
  const provider = options.provider ?? providerFor(config, options.db, clock, log);
  const events = await eventBusFor(options.db, config, log);
  const deps: Deps = { db: options.db, clock, provider, config, events, log };
  const services = createServices(deps);
  // What an earlier process left half done, or recorded before opt-outs were kept per phone and
  // delivery reports in the product's terms.
  await services.imports.failInterrupted();
  await services.optOuts.backfill();
  await readLegacyStatusReports(options.db);

  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      if (err.status === 429 && typeof err.details?.retryAfterSeconds === 'number') c.header('Retry-After', String(err.details.retryAfterSeconds));
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 400 ? 'VALIDATION' : status === 401 ? 'UNAUTHORIZED' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'HTTP_' + status;
      return c.json(errorBody(code, err.message || 'The request could not be processed.'), status);
    }
    if (isUnstorableText(err)) {
      return c.json(errorBody('VALIDATION', 'The request contains a character that cannot be stored (NUL, or half of a surrogate pair).'), 400);
    }
    deps.log.error('unhandled error', { path: c.req.path, error: err instanceof Error ? err.stack : String(err) });
    return c.json(errorBody('INTERNAL', 'Something went wrong on our side; nothing was lost. Try again.'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`), 404));

  // Bodies are bounded before anything reads them: the API's JSON to 1 MB (the import streams its
  // file and has its own limit), what strangers can post (providers' webhooks, the booking page)
  // to 64 KB, checked before their signatures and tokens.
  const apiBodies = limitBody(1024 * 1024);
  const publicBodies = limitBody(64 * 1024);
  app.use('/api/*', (c, next) => (c.req.path === '/api/candidates/import' ? next() : apiBodies(c, next)));
  app.use('/webhooks/*', publicBodies);
  app.use('/book/*', publicBodies);

  app.get('/healthz', async (c) => {
    await options.db.ping();
    return c.json({ ok: true, provider: provider.name });
  });
  // Readiness, for a load balancer: the database answers with every migration applied, and the
  // server is not shutting down (stop() has begun: new requests belong on another instance).
  let draining = false;
  app.get('/readyz', async (c) => {
    const migrations = await options.db.migrationsApplied();
    if (draining) return c.json({ ok: false, reason: 'DRAINING', migrations }, 503);
    if (migrations.applied < migrations.expected) return c.json({ ok: false, reason: 'MIGRATIONS_PENDING', migrations }, 503);
    return c.json({ ok: true, migrations });
  });
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(config.publicUrl, providerWebhooks(config))));

  const auth = authRoutes(services, { trustProxy: config.trustProxy });
  const api = new Hono<AppEnv>();
  // Every body is JSON, but for the import, which is a CSV or NDJSON file.
  api.use('*', (c, next) => (c.req.path === '/api/candidates/import' ? next() : requireJson(c, next)));
  api.route('/', auth.publicRoutes);
  api.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (token && isApiKey(token)) {
      const key = await services.apiKeys.authenticate(token);
      if (!key) throw new ApiError(401, 'UNAUTHORIZED', 'This integration key was revoked or never existed. Ask an administrator for a new one.');
      c.set('actor', { type: 'key', org: key.org, name: key.name, keyId: key.keyId });
      return next();
    }
    const caller = token ? await services.auth.authenticate(token) : null;
    if (!caller || !token) {
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        token ? 'Your session has expired or was revoked. Sign in again.' : 'Sign in first: send Authorization: Bearer <token>.',
      );
    }
    c.set('caller', caller);
    c.set('token', token);
    c.set('actor', { type: 'recruiter', org: caller.org, name: caller.recruiter.name, recruiter: caller.recruiter });
    await next();
  });
  // Open to integration keys: the candidate endpoints. Everything after is for recruiters only.
  api.route('/', candidateDataRoutes(services));
  api.use('*', async (c, next) => {
    if (c.var.actor.type === 'key') {
      throw new ApiError(403, 'FORBIDDEN', 'An integration key can only read and write candidates; sign in as a recruiter for everything else.');
    }
    await next();
  });
  // Their paths are the contract's (shared/contract/), under /api.
  api.route('/', auth.signedIn);
  api.route('/', apiKeyRoutes(services));
  api.route('/', candidateRoutes(services));
  api.route('/', templateRoutes(services));
  api.route('/', campaignRoutes(services));
  api.route('/', organizationRoutes(services));
  api.route('/', sequenceRoutes(deps));
  api.route('/', eventRoutes(deps, services.auth));
  api.route('/', mediaRoutes(services));
  app.route('/api', api);

  app.route('/webhooks', webhookRoutes(deps, services));
  app.route('/book', bookingRoutes(services));
  // Anyone who reaches the simulator's pages can read every candidate's texts and answer as them:
  // served to this machine only, unless SIMULATOR_PUBLIC=1 says a shared demo server wants them.
  if (isSimulator(provider) && (isLoopbackHostname(config.host) || config.simulatorPublic)) {
    app.route('/simulator', simulatorRoutes(deps, provider));
  }

  return {
    app,
    services,
    deps,
    /** Starts the background dispatcher. */
    start() {
      services.outbox.start();
      services.media.start();
    },
    async stop() {
      draining = true;
      await services.imports.stop();
      await services.changes.flush();
      await services.outbox.stop();
      services.media.stop();
      provider.close?.();
      // Open event streams end, so their clients reconnect (through the balancer, to an instance that stays).
      events.endAll();
      if (events instanceof ClusterBus) await events.close();
    },
  };
}

/**
 * On PostgreSQL, events reach the streams of every instance (LISTEN/NOTIFY); on SQLite, one
 * process serves every stream.
 */
async function eventBusFor(db: Db, config: AppConfig, log: Logger): Promise<EventBus> {
  const pg = pgConnections(db);
  if (!pg) return new EventBus();
  const bus = new ClusterBus({
    instanceId: config.instanceId,
    pool: pg.pool,
    connect: () => pg.connect(`text-engagement events ${config.instanceId}`),
    log,
  });
  await bus.start();
  return bus;
}

export type TextEngagementApp = Awaited<ReturnType<typeof createApp>>;
