import { Hono } from 'hono';
import { z } from 'zod';
import {
  AddCandidatesBodySchema,
  CampaignListQuerySchema,
  CreateCampaignBodySchema,
  CreateCampaignMessageBodySchema,
  UpdateCampaignBodySchema,
  UpdateCampaignMessageBodySchema,
} from '../../shared/api.js';
import { validation } from '../lib/errors.js';
import { validate, type AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

const id = (raw: string, what = 'id') => {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw validation(`${what} must be a positive integer.`);
  return n;
};

export const RecipientPageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const CampaignListQueryWithMineSchema = CampaignListQuerySchema.extend({
  mine: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});

export function campaignRoutes(services: Services) {
  const c = services.campaigns;
  return new Hono<AppEnv>()
    .get('/', validate('query', CampaignListQueryWithMineSchema), (ctx) => {
      const { status, mine } = ctx.req.valid('query');
      return ctx.json({ campaigns: c.list(ctx.var.caller, status, mine) });
    })
    .post('/', validate('json', CreateCampaignBodySchema), (ctx) => ctx.json(c.create(ctx.var.caller, ctx.req.valid('json')), 201))
    .get('/:id', (ctx) => ctx.json(c.get(ctx.var.caller, id(ctx.req.param('id')))))
    .patch('/:id', validate('json', UpdateCampaignBodySchema), (ctx) => ctx.json(c.update(ctx.var.caller, id(ctx.req.param('id')), ctx.req.valid('json'))))
    .delete('/:id', (ctx) => {
      c.remove(ctx.var.caller, id(ctx.req.param('id')));
      return ctx.body(null, 204);
    })
    .get('/:id/candidates', validate('query', RecipientPageQuerySchema), (ctx) => {
      const { limit, offset } = ctx.req.valid('query');
      return ctx.json(c.recipients(ctx.var.caller, id(ctx.req.param('id')), limit, offset));
    })
    .post('/:id/candidates', validate('json', AddCandidatesBodySchema), (ctx) =>
      ctx.json(c.addCandidates(ctx.var.caller, id(ctx.req.param('id')), ctx.req.valid('json').candidateIds)),
    )
    .delete('/:id/candidates/:candidateId', (ctx) => ctx.json(c.removeCandidate(ctx.var.caller, id(ctx.req.param('id')), ctx.req.param('candidateId'))))
    .post('/:id/preview', validate('json', CreateCampaignMessageBodySchema), (ctx) =>
      ctx.json(c.previewMessage(ctx.var.caller, id(ctx.req.param('id')), ctx.req.valid('json'))),
    )
    .post('/:id/messages', validate('json', CreateCampaignMessageBodySchema), (ctx) =>
      ctx.json(c.createMessage(ctx.var.caller, id(ctx.req.param('id')), ctx.req.valid('json')), 201),
    )
    .get('/:id/messages/:messageId', (ctx) => ctx.json(c.getMessage(ctx.var.caller, id(ctx.req.param('id')), id(ctx.req.param('messageId'), 'messageId'))))
    .patch('/:id/messages/:messageId', validate('json', UpdateCampaignMessageBodySchema), (ctx) =>
      ctx.json(c.updateMessage(ctx.var.caller, id(ctx.req.param('id')), id(ctx.req.param('messageId'), 'messageId'), ctx.req.valid('json'))),
    )
    .delete('/:id/messages/:messageId', (ctx) => {
      c.deleteMessage(ctx.var.caller, id(ctx.req.param('id')), id(ctx.req.param('messageId'), 'messageId'));
      return ctx.body(null, 204);
    })
    .post('/:id/messages/:messageId/schedule', (ctx) =>
      ctx.json(c.schedule(ctx.var.caller, id(ctx.req.param('id')), id(ctx.req.param('messageId'), 'messageId'))),
    );
}
