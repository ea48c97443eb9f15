/** The organization's texting settings and its integration keys (administrators change them). */
import { z } from 'zod';
import { ApiKeyBodySchema, ApiKeySchema, CreatedApiKeySchema, OrganizationPatchSchema, RecruiterSchema } from '../api.js';
import { endpoint } from './define.js';
import { RowIdParam } from './params.js';

const OrganizationSchema = RecruiterSchema.shape.organization;

export const organizationEndpoints = {
  'organization.get': endpoint({
    method: 'GET',
    path: '/api/organization',
    summary: 'The organization’s texting settings',
    tag: 'organization',
    answers: 'Organization',
    output: OrganizationSchema,
    errors: [401],
  }),
  'organization.update': endpoint({
    method: 'PATCH',
    path: '/api/organization',
    summary: 'Change texting hours, default time zone, send rate or senders (administrators; 409 SENDER_TAKEN if another organization has the sender)',
    tag: 'organization',
    body: OrganizationPatchSchema,
    answers: 'Organization',
    output: OrganizationSchema,
    errors: [400, 401, 403, 409, 415],
  }),
  'apiKeys.create': endpoint({
    method: 'POST',
    path: '/api/api-keys',
    summary: 'Create an integration key for the ATS’s sync job (administrators); the key is in this response only',
    tag: 'integration',
    body: ApiKeyBodySchema,
    status: 201,
    answers: 'The key',
    output: CreatedApiKeySchema,
    errors: [400, 401, 403, 415],
  }),
  'apiKeys.list': endpoint({
    method: 'GET',
    path: '/api/api-keys',
    summary: 'The organization’s integration keys, without their secrets (administrators)',
    tag: 'integration',
    answers: 'Keys',
    output: z.object({ keys: z.array(ApiKeySchema) }),
    errors: [401, 403],
  }),
  'apiKeys.revoke': endpoint({
    method: 'DELETE',
    path: '/api/api-keys/:id',
    summary: 'Revoke an integration key at once (administrators)',
    tag: 'integration',
    params: z.object({ id: RowIdParam }),
    status: 204,
    answers: 'Revoked',
    output: null,
    errors: [400, 401, 403, 404],
  }),
};
