/** Ari's sequences: everyone reads them; administrators create and replace them. */
import { z } from 'zod';
import { endpoint } from './define.js';
import { RowIdParam } from './params.js';

/**
 * A sequence's definition is checked by the route as a whole (shared/sequences.ts), after the
 * permission checks, so a 400 lists every problem at once; here it is any JSON. The OpenAPI
 * document shows the sequence's own schema in its place (server/openapi.ts).
 */
export const SequenceDefinitionInput = z.unknown().meta({ description: 'The sequence (shared/sequences.ts): steps, what Ari asks, where answers lead.' });

export const SequenceBodySchema = z.object({ definition: SequenceDefinitionInput, primary: z.boolean().optional() });

export const SequenceSummarySchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kind: z.enum(['inbound', 'outbound']),
    primary: z.boolean().meta({ description: 'The organization’s primary inbound sequence (offered first, marked Default).' }),
    description: z.string().nullable(),
    definition: z.unknown(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Sequence' });

export const sequenceEndpoints = {
  'sequences.list': endpoint({
    method: 'GET',
    path: '/api/sequences',
    summary: 'The organization’s sequences for Ari (empty without the assistant subscription)',
    tag: 'assistant',
    answers: 'Sequences',
    output: z.object({ sequences: z.array(SequenceSummarySchema) }),
    errors: [401],
  }),
  'sequences.create': endpoint({
    method: 'POST',
    path: '/api/sequences',
    summary: 'Create a sequence (administrators); a malformed one is a 400 naming the problem',
    tag: 'assistant',
    body: SequenceBodySchema,
    status: 201,
    answers: 'The sequence',
    output: SequenceSummarySchema,
    errors: [400, 401, 403, 415],
  }),
  'sequences.update': endpoint({
    method: 'PATCH',
    path: '/api/sequences/:id',
    summary: 'Replace a sequence’s definition (administrators)',
    tag: 'assistant',
    params: z.object({ id: RowIdParam }),
    body: SequenceBodySchema,
    answers: 'The sequence',
    output: SequenceSummarySchema,
    errors: [400, 401, 403, 404, 415],
  }),
};
