import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import { clientAddress, type AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** Sign-in (public), sign-out and who is signed in. */
export function authRoutes(services: Services, network: { trustProxy: string | undefined }) {
  const publicRoutes = new Hono<AppEnv>();
  serve(publicRoutes)('auth.login', async (c, { body }) => services.auth.login(body.email, body.password, clientAddress(c, network.trustProxy)));

  const signedIn = new Hono<AppEnv>();
  const on = serve(signedIn);
  on('auth.me', async (c) => {
    const { recruiter, org } = c.var.caller;
    return { ...(await services.auth.serialize(recruiter, org)), unreadCount: await services.conversations.unreadTotal(org.id) };
  });
  on('auth.logout', async (c) => {
    await services.auth.logout(c.var.token);
    return null;
  });

  return { publicRoutes, signedIn };
}
