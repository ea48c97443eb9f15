/**
 * The candidate data endpoints: open to recruiters and to integration keys alike (everything else
 * is for recruiters only). Look-up and search, one candidate, the upsert from the ATS, erasure,
 * consent, and the bulk import.
 */
import { z } from 'zod';
import {
  AtsIdSchema,
  CandidateListSchema,
  CandidateQuerySchema,
  CandidateSchema,
  CandidateUpsertSchema,
  ConsentHistorySchema,
  ConsentInputSchema,
  ImportStatusSchema,
} from '../api.js';
import { endpoint } from './define.js';
import { CandidateIdParam } from './params.js';

export const candidateEndpoints = {
  'candidates.search': endpoint({
    method: 'GET',
    path: '/api/candidates',
    summary: 'Look up candidates by ATS ids (ids=a,b,c; up to 200) or search (query, limit, cursor)',
    tag: 'candidates',
    query: CandidateQuerySchema,
    answers: 'Candidates with textable and reason',
    output: CandidateListSchema,
    errors: [400, 401],
  }),
  'candidates.import': endpoint({
    method: 'POST',
    path: '/api/candidates/import',
    summary:
      'Import up to 100,000 candidates from a CSV (header row; columns as the upsert’s fields, consent as granted/revoked with consentSource and consentAt) or NDJSON (one upsert body with atsId per line). Bad rows are reported and skipped; a malformed file is a 400 before anything is written.',
    tag: 'candidates',
    files: {
      'text/csv': 'atsId,firstName,lastName,email,phone,channel,consent,consentSource,consentAt,timeZone,jobTitle,location',
      'application/x-ndjson':
        '{"atsId":"10001","firstName":"Maria","lastName":"Garcia","phone":"(212) 555-0101","consent":{"status":"granted","source":"application-form"}}',
    },
    status: 202,
    answers: 'Accepted: follow GET /api/imports/{importId}',
    output: ImportStatusSchema,
    errors: [400, 401, 403, 413],
  }),
  'imports.get': endpoint({
    method: 'GET',
    path: '/api/imports/:importId',
    summary: 'An import’s progress, counts and row errors',
    tag: 'candidates',
    params: z.object({ importId: z.string().min(1).max(100).meta({ description: 'As POST /api/candidates/import answered.' }) }),
    answers: 'Import status',
    output: ImportStatusSchema,
    errors: [401, 404],
  }),
  'candidates.get': endpoint({
    method: 'GET',
    path: '/api/candidates/:id',
    summary: 'One candidate (recruiters and integration keys)',
    tag: 'candidates',
    params: z.object({ id: CandidateIdParam }),
    answers: 'Candidate',
    output: CandidateSchema,
    errors: [400, 401, 404],
  }),
  'candidates.upsert': endpoint({
    method: 'PUT',
    path: '/api/candidates/:id',
    summary:
      'Create or update a candidate from the ATS (integration keys and administrators; a licensed recruiter may add one the server does not know). Fields left out stay as they are; null clears. The same body twice changes nothing.',
    tag: 'candidates',
    params: z.object({ id: AtsIdSchema.meta({ description: 'The candidate’s id in the host ATS.' }) }),
    body: CandidateUpsertSchema,
    status: 201,
    answers: 'Created',
    alsoAnswers: { status: 200, answers: 'Updated, or unchanged (updatedAt tells)' },
    output: CandidateSchema,
    errors: [400, 401, 403, 415],
  }),
  'candidates.erase': endpoint({
    method: 'DELETE',
    path: '/api/candidates/:id',
    summary: 'Erase a candidate: personal data, messages, consent history; only an opt-out tombstone (a keyed hash of the phone) stays',
    tag: 'candidates',
    params: z.object({ id: CandidateIdParam }),
    status: 204,
    answers: 'Erased',
    output: null,
    errors: [401, 403, 404],
  }),
  'candidates.consent': endpoint({
    method: 'POST',
    path: '/api/candidates/:id/consent',
    summary:
      'Record a consent statement (granted or revoked, with its source) about a known candidate: keys, administrators and licensed recruiters. Never lifts the candidate’s own STOP.',
    tag: 'candidates',
    params: z.object({ id: CandidateIdParam }),
    body: ConsentInputSchema,
    answers: 'The candidate as it is now',
    output: CandidateSchema,
    errors: [400, 401, 403, 404, 415],
  }),
  'candidates.consentHistory': endpoint({
    method: 'GET',
    path: '/api/candidates/:id/consent',
    summary: 'The candidate’s consent history, newest first',
    tag: 'candidates',
    params: z.object({ id: CandidateIdParam }),
    answers: 'Consent records',
    output: ConsentHistorySchema,
    errors: [401, 404],
  }),
};
