import { Hono } from 'hono';
import { z } from 'zod';
import { ChannelSchema } from '../../shared/api.js';
import { isLoopbackHostname } from '../../shared/loopback.js';
import { toE164 } from '../../shared/phone.js';
import type { Deps } from '../deps.js';
import { ApiError, validation } from '../lib/errors.js';
import { validate } from '../lib/http.js';
import { streamEvents } from '../lib/sse.js';
import type { SimulatorMessage, SimulatorProvider } from '../providers/simulator.js';
import { SIMULATOR_PAGE } from './simulator-page.js';

/** The phone page's pictures: the image types a phone sends, at most 1 MB (base64, so 4/3 of that). */
const PICTURE_MAX_BYTES = 1024 * 1024;
const PictureSchema = z.object({
  contentType: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
  base64: z
    .string()
    .max(Math.ceil(PICTURE_MAX_BYTES / 3) * 4)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
});

const ReplySchema = z.object({
  from: z.string().min(1).max(40),
  body: z.string().max(1600),
  channel: ChannelSchema.optional(),
  picture: PictureSchema.optional(),
});

const phoneJson = (m: SimulatorMessage) => ({
  id: m.id,
  sid: m.sid,
  direction: m.direction,
  phone: m.phone,
  ourAddress: m.ourAddress,
  channel: m.channel,
  body: m.body,
  status: m.status,
  errorCode: m.errorCode,
  createdAt: new Date(m.createdAt).toISOString(),
});

/**
 * The simulator's phones: a page where a person reads candidates' texts and answers them, and
 * the same as JSON for tests. Mounted only when PROVIDER=simulator.
 */
export function simulatorRoutes({ db, config, clock }: Deps, simulator: SimulatorProvider) {
  // DNS rebinding: a web page on evil.example whose name later resolves to 127.0.0.1 reaches this
  // server with its own name in Host. Only this machine's names and PUBLIC_URL's are served.
  const ownHostnames = new Set([new URL(config.publicUrl).hostname]);
  if (!['0.0.0.0', '::'].includes(config.host)) ownHostnames.add(config.host.includes(':') ? `[${config.host}]` : config.host);

  // Every candidate's phone (any organisation), the ones with texts first.
  const candidatePhones = db.stmt(
    `select c.phone as phone, c.first_name as "firstName", c.last_name as "lastName", c.channel as channel, o.name as organization
     from candidates c join organizations o on o.id = c.org_id where c.phone is not null order by c.last_name, c.first_name`,
  );

  const phoneParam = (raw: string) => {
    const phone = toE164(raw);
    if (!phone) throw validation(`"${raw}" is not a phone number.`);
    return phone;
  };

  return new Hono()
    .use('*', async (c, next) => {
      const hostname = hostnameOf(c.req.header('host') ?? new URL(c.req.url).host);
      if (!hostname || !(isLoopbackHostname(hostname) || ownHostnames.has(hostname))) {
        throw new ApiError(403, 'HOST_NOT_ALLOWED', `The simulator answers only to this server's own names, not "${hostname}".`);
      }
      await next();
    })
    .get('/', (c) => c.html(SIMULATOR_PAGE))
    .get('/api/phones', async (c) => {
      const people = await db.all<{ phone: string; firstName: string; lastName: string; channel: string; organization: string }>(candidatePhones);
      const activity = new Map((await simulator.phones()).map((p) => [p.phone, p]));
      const phones = people.map((p) => ({
        ...p,
        messageCount: activity.get(p.phone)?.count ?? 0,
        lastAt: activity.has(p.phone) ? new Date(activity.get(p.phone)!.lastAt).toISOString() : null,
      }));
      phones.sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''));
      return c.json({ phones });
    })
    .get('/api/phones/:phone/messages', async (c) => {
      const phone = phoneParam(c.req.param('phone'));
      return c.json({ phone, messages: (await simulator.phoneMessages(phone)).map(phoneJson) });
    })
    .post('/api/messages', validate('json', ReplySchema), async (c) => {
      const { from, body, channel, picture } = c.req.valid('json');
      const phone = phoneParam(from);
      if (!body.trim() && !picture) throw validation('body: write something to send (or send a picture).');
      const bytes = picture ? Buffer.from(picture.base64, 'base64') : null;
      if (bytes && bytes.length > PICTURE_MAX_BYTES) throw validation('picture: at most 1 MB.');
      const row = await simulator.reply(phone, body, channel, picture && bytes ? { contentType: picture.contentType, bytes } : undefined);
      return c.json(phoneJson(row), 201);
    })
    .get('/api/events', (c) =>
      streamEvents<SimulatorMessage>(c, clock, {
        subscribe: (push) => simulator.onMessage(push),
        ready: () => ({ event: 'ready', data: '{}' }),
        event: (m) => ({ event: 'message', data: JSON.stringify(phoneJson(m)) }),
      }),
    );
}

/** The name in a Host header (without its port), or null when it is not one. */
function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}
