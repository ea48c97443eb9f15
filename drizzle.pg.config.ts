import { defineConfig } from 'drizzle-kit';

// The PostgreSQL twin of drizzle.config.ts: migrations from the generated server/db/schema.pg.ts
// (scripts/db-pg-schema.ts writes it from schema.ts). `npm run db:generate` runs both.
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/schema.pg.ts',
  out: './server/db/migrations-pg',
});
