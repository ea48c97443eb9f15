/** Pictures and files that came with candidates' texts, served from our own origin. */
import { z } from 'zod';
import { endpoint } from './define.js';
import { RowIdParam } from './params.js';

export const mediaEndpoints = {
  'media.get': endpoint({
    method: 'GET',
    path: '/api/media/:id',
    summary:
      'An attachment of a text (a message’s media[].url). Pictures (JPEG, PNG, GIF, WebP) are served as themselves, inline; anything else as application/octet-stream with Content-Disposition: attachment. Always nosniff, a sandbox CSP and Cache-Control: private.',
    tag: 'messages',
    params: z.object({ id: RowIdParam }),
    answers: 'The attachment’s bytes',
    output: null,
    produces: 'application/octet-stream',
    errors: [400, 401, 404],
  }),
};
