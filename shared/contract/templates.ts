/** Message templates: everyone reads them; administrators write them (name, body, WhatsApp content). */
import { z } from 'zod';
import { TemplateBodySchema, TemplatePatchSchema, TemplateSchema } from '../api.js';
import { endpoint } from './define.js';
import { RowIdParam } from './params.js';

const templatePath = z.object({ id: RowIdParam });

export const templateEndpoints = {
  'templates.list': endpoint({
    method: 'GET',
    path: '/api/templates',
    summary: 'Message templates',
    tag: 'templates',
    answers: 'Templates',
    output: z.object({ templates: z.array(TemplateSchema) }),
    errors: [401],
  }),
  'templates.create': endpoint({
    method: 'POST',
    path: '/api/templates',
    summary: 'Create a template (administrators); a WhatsApp contentSid must exist in the provider account',
    tag: 'templates',
    body: TemplateBodySchema,
    status: 201,
    answers: 'The template',
    output: TemplateSchema,
    errors: [400, 401, 403, 409, 415],
  }),
  'templates.update': endpoint({
    method: 'PATCH',
    path: '/api/templates/:id',
    summary: 'Change a template (administrators); texts already queued keep what they were queued with',
    tag: 'templates',
    params: templatePath,
    body: TemplatePatchSchema,
    answers: 'The template',
    output: TemplateSchema,
    errors: [400, 401, 403, 404, 409, 415],
  }),
  'templates.delete': endpoint({
    method: 'DELETE',
    path: '/api/templates/:id',
    summary: 'Delete a template (administrators); texts sent from it keep their meaning',
    tag: 'templates',
    params: templatePath,
    status: 204,
    answers: 'Deleted',
    output: null,
    errors: [400, 401, 403, 404],
  }),
};
