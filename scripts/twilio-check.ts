/**
 * `npm run twilio:check [-- --to +15551234567]`: checks a real Twilio account against this
 * server's settings (the same environment as `npm start`: TWILIO_*, PUBLIC_URL, DATABASE_PATH) and
 * prints each step ✓ / ! / ✗ with what to do. With --to it sends one text to that number and
 * follows it for up to a minute (run it while the server is up, so the status callback can reach
 * it). The logic is server/providers/twilio-check.ts; nothing here runs in CI.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../server/config.js';
import { connectDatabase, describeDatabase } from '../server/db/client.js';
import { formatStep, runTwilioCheck, type CheckSender, type CheckTemplate } from '../server/providers/twilio-check.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { to: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log('Usage: npm run twilio:check [-- --to +15551234567]');
    return 0;
  }
  if (values.to && !/^\+[1-9]\d{6,14}$/.test(values.to)) {
    console.error(`--to must be an E.164 number such as +15551234567 (got "${values.to}").`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    return 2;
  }
  const { accountSid, authToken } = config.twilio;
  if (!accountSid || !authToken) {
    console.error('Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (the Twilio Console, Account > API keys & tokens).');
    return 2;
  }

  const senders: CheckSender[] = [
    { owner: 'environment', smsFrom: config.twilio.smsFrom, whatsappFrom: config.twilio.whatsappFrom, messagingServiceSid: config.twilio.messagingServiceSid },
  ];
  const templates: CheckTemplate[] = [];
  // The server's own database, opened as the server opens it (an existing one only: this tool creates none).
  const db = config.databaseUrl || existsSync(config.databasePath) ? await connectDatabase(config) : null;
  if (db) {
    const orgs = await db.all<{ name: string; smsFrom: string | null; whatsappFrom: string | null; messagingServiceSid: string | null }>(
      db.stmt(
        `select name, sms_from as "smsFrom", whatsapp_from as "whatsappFrom", messaging_service_sid as "messagingServiceSid" from organizations order by id`,
      ),
    );
    for (const org of orgs) if (org.smsFrom || org.whatsappFrom || org.messagingServiceSid) senders.push({ owner: org.name, ...org });
    const rows = await db.all<{ owner: string; name: string; contentSid: string; contentVariables: string | null }>(
      db.stmt(
        `select o.name as owner, t.name, t.content_sid as "contentSid", t.content_variables as "contentVariables"
         from templates t join organizations o on o.id = t.org_id where t.content_sid is not null and t.deleted_at is null order by t.id`,
      ),
    );
    for (const row of rows)
      templates.push({ ...row, contentVariables: row.contentVariables ? (JSON.parse(row.contentVariables) as Record<string, string>) : null });
  } else {
    console.log(`(No database at ${describeDatabase(config)}: only the environment's senders are checked.)`);
  }
  // A status report is recorded (after its signature was verified) under `<MessageSid>:<status>`.
  const reportOf = db?.stmt(`select 1 as seen from webhook_events where kind = 'status' and dedupe_key >= ? and dedupe_key < ? limit 1`);
  const callbackSeen = db && reportOf ? async (sid: string) => !!(await db.get(reportOf, `${sid}:`, `${sid};`)) : undefined;

  console.log(`Checking Twilio account ${accountSid} for ${config.publicUrl}…\n`);
  return runTwilioCheck(
    {
      accountSid,
      authToken,
      apiBaseUrl: config.twilio.apiBaseUrl,
      messagingApiBaseUrl: process.env.TWILIO_MESSAGING_API_BASE_URL ?? 'https://messaging.twilio.com',
      contentApiBaseUrl: config.twilio.contentApiBaseUrl,
      publicUrl: config.publicUrl,
      optOutMode: config.twilio.optOut,
      senders,
      templates,
      to: values.to,
      callbackSeen,
    },
    (step) => console.log(formatStep(step)),
  ).then(async (steps) => {
    await db?.close();
    const failed = steps.filter((s) => s.result === 'fail').length;
    const warned = steps.filter((s) => s.result === 'warn').length;
    console.log(
      `\n${failed ? `${failed} to fix` : 'Nothing to fix'}${warned ? `, ${warned} to read` : ''}.${values.to ? '' : ' Add -- --to +1… to send one test text.'}`,
    );
    return failed ? 1 : 0;
  });
}

process.exitCode = await main();
