import { Hono } from 'hono';
import { LoginBodySchema } from '../../shared/api.js';
import { clientAddress, validate, type AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** POST /api/auth/login (public), POST /api/auth/logout and GET /api/me (signed in). */
export function authRoutes(services: Services, network: { trustProxy: string | undefined }) {
  const publicRoutes = new Hono<AppEnv>().post('/auth/login', validate('json', LoginBodySchema), async (c) => {
    const { email, password } = c.req.valid('json');
    return c.json(await services.auth.login(email, password, clientAddress(c, network.trustProxy)));
  });

  const signedIn = new Hono<AppEnv>()
    .get('/me', (c) => {
      const { recruiter, org } = c.var.caller;
      return c.json({ ...services.auth.serialize(recruiter, org), unreadCount: services.conversations.unreadTotal(org.id) });
    })
    .post('/auth/logout', (c) => {
      services.auth.logout(c.var.token);
      return c.body(null, 204);
    });

  return { publicRoutes, signedIn };
}
