import type { AppConfig } from './config.js';
import type { Db } from './db/client.js';
import type { Clock } from './lib/clock.js';
import type { EventBus } from './lib/events.js';
import type { Provider } from './providers/types.js';

/** What every service is built from; tests pass an in-memory database, a FakeClock and a provider. */
export interface Deps {
  db: Db;
  clock: Clock;
  provider: Provider;
  config: AppConfig;
  events: EventBus;
  log: Logger;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  info: (m, f) => console.log(format('info', m, f)),
  warn: (m, f) => console.warn(format('warn', m, f)),
  error: (m, f) => console.error(format('error', m, f)),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function format(level: string, message: string, fields?: Record<string, unknown>): string {
  return `${new Date().toISOString()} ${level} ${message}${fields ? ' ' + JSON.stringify(fields) : ''}`;
}
