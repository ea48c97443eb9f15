/** Runtime constants of the protocol, apart from protocol.ts so content scripts don't pull in zod. */
export const EVENTS_PORT = 'te.events';
