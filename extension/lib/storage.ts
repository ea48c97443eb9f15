/**
 * Typed extension storage, read and written by the background worker.
 *
 * - The server URL of the last sign-in: storage.local (kept across restarts; not a secret, and
 *   the content script reads it to tell whether the demo pages count: hosts/allowed.ts).
 * - The session (token, expiry, the recruiter): storage.session, in memory only, gone when the
 *   browser closes (the recruiter signs in again), and, at its default access level
 *   (TRUSTED_CONTEXTS, which the background also sets), out of content scripts' reach: only the
 *   extension's own pages and worker can read it, never the ATS page's world. Page scripts can
 *   never reach extension storage at all.
 */
import { storage } from 'wxt/utils/storage';
import type { Recruiter } from '../../shared/api';
import { SERVER_URL_KEY } from './storage-keys';

export const DEFAULT_SERVER_URL = 'http://localhost:8787';

export interface StoredSession {
  token: string;
  expiresAt: string;
  recruiter: Recruiter;
}

export const serverUrlItem = storage.defineItem<string>(`local:${SERVER_URL_KEY}`, { fallback: DEFAULT_SERVER_URL });
export const sessionItem = storage.defineItem<StoredSession | null>('session:session', { fallback: null });
/** Where earlier versions kept the session (on disk): removed when the worker starts. */
export const legacySessionItem = storage.defineItem<StoredSession | null>('local:session', { fallback: null });
