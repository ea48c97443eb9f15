/** Runtime constants of the protocol, apart from protocol.ts so content scripts don't pull in zod. */
export const EVENTS_PORT = 'te.events';

/**
 * The largest import file the extension carries to the background (as text in one message;
 * Chrome's limit for a message is 64 MB). The options page says so before reading a bigger one.
 */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;
