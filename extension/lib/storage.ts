/**
 * Typed extension storage. The token lives only here and is read only by the background
 * worker; page scripts can never reach extension storage.
 */
import { storage } from 'wxt/utils/storage';
import type { Recruiter } from '../../shared/api';

export const DEFAULT_SERVER_URL = 'http://localhost:8787';

export interface StoredSession {
  token: string;
  expiresAt: string;
  recruiter: Recruiter;
}

export const serverUrlItem = storage.defineItem<string>('local:serverUrl', { fallback: DEFAULT_SERVER_URL });
export const sessionItem = storage.defineItem<StoredSession | null>('local:session', { fallback: null });
