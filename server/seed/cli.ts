/** `npm run seed`: the demo data into DATABASE_PATH (idempotent). */
import { ConfigError, loadConfig } from '../config.js';
import { connectDatabase, describeDatabase } from '../db/client.js';
import { seedDemo } from './demo.js';

try {
  const config = loadConfig();
  const db = await connectDatabase(config);
  const added = await seedDemo(db, Date.now(), { provider: config.provider });
  console.log(
    `Seeded ${describeDatabase(config)}: added ${added.organizations} organizations, ${added.recruiters} recruiters, ${added.candidates} candidates, ${added.templates} templates (existing rows left as they were).`,
  );
  await db.close();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
