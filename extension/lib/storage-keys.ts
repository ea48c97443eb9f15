/**
 * Extension storage keys that the content script reads directly (without wxt's storage helper,
 * to keep its bundle small). lib/storage.ts defines the items under these keys.
 */

/** storage.local: the server URL of the recruiter's last sign-in (unset before the first). */
export const SERVER_URL_KEY = 'serverUrl';
