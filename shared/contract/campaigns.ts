/** Bulk text campaigns: the campaign, its recipients, and its messages from draft to sent. */
import { z } from 'zod';
import {
  AddCandidatesBodySchema,
  AddCandidatesResultSchema,
  CampaignDetailSchema,
  CampaignMessageWithReviewSchema,
  CampaignRecipientSchema,
  CampaignSchema,
  CampaignStatusSchema,
  CreateCampaignBodySchema,
  CreateCampaignMessageBodySchema,
  UpdateCampaignBodySchema,
  UpdateCampaignMessageBodySchema,
} from '../api.js';
import { endpoint } from './define.js';
import { CandidateIdParam, RowIdParam } from './params.js';

export const CampaignListQuerySchema = z.object({
  status: CampaignStatusSchema.optional(),
  mine: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .meta({ description: 'Only the campaigns you created.' }),
});

export const RecipientPageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const campaignPath = z.object({ id: RowIdParam });
const campaignMessagePath = z.object({ id: RowIdParam, messageId: RowIdParam });

export const campaignEndpoints = {
  'campaigns.list': endpoint({
    method: 'GET',
    path: '/api/campaigns',
    summary: 'Campaigns (status, mine)',
    tag: 'campaigns',
    query: CampaignListQuerySchema,
    answers: 'Campaigns',
    output: z.object({ campaigns: z.array(CampaignSchema) }),
    errors: [400, 401],
  }),
  'campaigns.create': endpoint({
    method: 'POST',
    path: '/api/campaigns',
    summary: 'Create a campaign, optionally with candidates',
    tag: 'campaigns',
    body: CreateCampaignBodySchema,
    status: 201,
    answers: 'The campaign and the result of adding the candidates',
    output: z.object({ campaign: CampaignDetailSchema, candidates: AddCandidatesResultSchema.nullable() }),
    errors: [400, 401, 403, 415],
  }),
  'campaigns.get': endpoint({
    method: 'GET',
    path: '/api/campaigns/:id',
    summary: 'One campaign with its messages',
    tag: 'campaigns',
    params: campaignPath,
    answers: 'Campaign',
    output: CampaignDetailSchema,
    errors: [400, 401, 404],
  }),
  'campaigns.update': endpoint({
    method: 'PATCH',
    path: '/api/campaigns/:id',
    summary: 'Rename, describe, or enable ARI',
    tag: 'campaigns',
    params: campaignPath,
    body: UpdateCampaignBodySchema,
    answers: 'Campaign',
    output: CampaignDetailSchema,
    errors: [400, 401, 403, 404, 409, 415],
  }),
  'campaigns.delete': endpoint({
    method: 'DELETE',
    path: '/api/campaigns/:id',
    summary: 'Delete an unsent campaign',
    tag: 'campaigns',
    params: campaignPath,
    status: 204,
    answers: 'Deleted',
    output: null,
    errors: [400, 401, 403, 404, 409],
  }),
  'campaigns.recipients': endpoint({
    method: 'GET',
    path: '/api/campaigns/:id/candidates',
    summary: 'The campaign’s recipients with delivery state (limit, offset)',
    tag: 'campaigns',
    params: campaignPath,
    query: RecipientPageQuerySchema,
    answers: 'A page of recipients',
    output: z.object({ recipients: z.array(CampaignRecipientSchema), total: z.number(), nextOffset: z.number().nullable() }),
    errors: [400, 401, 404],
  }),
  'campaigns.addCandidates': endpoint({
    method: 'POST',
    path: '/api/campaigns/:id/candidates',
    summary: 'Add candidates (ATS ids)',
    tag: 'campaigns',
    params: campaignPath,
    body: AddCandidatesBodySchema,
    answers: 'What was added, excluded or not found',
    output: AddCandidatesResultSchema,
    errors: [400, 401, 403, 404, 409, 415],
  }),
  'campaigns.removeCandidate': endpoint({
    method: 'DELETE',
    path: '/api/campaigns/:id/candidates/:candidateId',
    summary: 'Remove a candidate',
    tag: 'campaigns',
    params: z.object({ id: RowIdParam, candidateId: CandidateIdParam }),
    answers: 'Recipients left',
    output: z.object({ recipients: z.number() }),
    errors: [400, 401, 403, 404, 409],
  }),
  'campaigns.createMessage': endpoint({
    method: 'POST',
    path: '/api/campaigns/:id/messages',
    summary: 'Add a message (draft) and review it',
    tag: 'campaigns',
    params: campaignPath,
    body: CreateCampaignMessageBodySchema,
    status: 201,
    answers: 'The message and its review',
    output: CampaignMessageWithReviewSchema,
    errors: [400, 401, 403, 404, 409, 415],
  }),
  'campaigns.getMessage': endpoint({
    method: 'GET',
    path: '/api/campaigns/:id/messages/:messageId',
    summary: 'One campaign message with its review',
    tag: 'campaigns',
    params: campaignMessagePath,
    answers: 'The message and its review',
    output: CampaignMessageWithReviewSchema,
    errors: [400, 401, 404],
  }),
  'campaigns.updateMessage': endpoint({
    method: 'PATCH',
    path: '/api/campaigns/:id/messages/:messageId',
    summary: 'Edit an unsent message',
    tag: 'campaigns',
    params: campaignMessagePath,
    body: UpdateCampaignMessageBodySchema,
    answers: 'The message and its review',
    output: CampaignMessageWithReviewSchema,
    errors: [400, 401, 403, 404, 409, 415],
  }),
  'campaigns.deleteMessage': endpoint({
    method: 'DELETE',
    path: '/api/campaigns/:id/messages/:messageId',
    summary: 'Delete an unsent message',
    tag: 'campaigns',
    params: campaignMessagePath,
    status: 204,
    answers: 'Deleted',
    output: null,
    errors: [400, 401, 403, 404, 409],
  }),
  'campaigns.scheduleMessage': endpoint({
    method: 'POST',
    path: '/api/campaigns/:id/messages/:messageId/schedule',
    summary: 'Send now, or save for its send time',
    tag: 'campaigns',
    params: campaignMessagePath,
    answers: 'The scheduled message, its review and a confirmation line',
    output: CampaignMessageWithReviewSchema.extend({ confirmation: z.string() }),
    errors: [400, 401, 403, 404, 409],
  }),
};
