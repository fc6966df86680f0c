/**
 * npm run admin:create -- --email a@b.example --roles pay_admin,ops
 * The password comes from OUTPOST_ADMIN_PASSWORD or, when unset, from stdin (one line).
 * Uses DATABASE_URL, or the embedded database under OUTPOST_DATA_DIR; while a server runs on that
 * embedded database, asks it through its private inbox (server/console/admin-inbox.ts).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { NewEmail, Role } from '../../protocol/http';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';
import { installAuditKey } from '../audit/key';
import { loadExistingMasterSecret, loadMasterSecret } from '../keys/master-secret';
import { adminInboxPath, createUserThroughServer } from '../console/admin-inbox';
import { createUser, UserExistsError } from './users';

const MIN_PASSWORD = 12;

async function readPassword(): Promise<string> {
  const fromEnv = process.env.OUTPOST_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY)
    process.stderr.write('Password (input is visible; prefer OUTPOST_ADMIN_PASSWORD): ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, roles: { type: 'string' } } });
  const email = NewEmail.safeParse(values.email ?? '');
  if (!email.success)
    fail('usage: admin:create -- --email <address> --roles pay_admin,ops,teacher,student,cashier');
  const roles = (values.roles ?? 'pay_admin').split(',').map((r) => r.trim());
  const bad = roles.filter((r) => !Role.safeParse(r).success);
  if (bad.length > 0 || roles.length === 0)
    fail(`unknown role(s): ${bad.join(', ')}; use ${Role.options.join(', ')}`);
  const password = await readPassword();
  if (password.length < MIN_PASSWORD) fail(`the password must have at least ${MIN_PASSWORD} characters`);

  const config = loadConfig();
  let db;
  try {
    db = await openDatabase(config);
  } catch (err) {
    // The embedded database is locked by a running server: ask it (server/console/admin-inbox.ts).
    if (config.databaseUrl || !/is in use by process/.test(String(err))) throw err;
    const body = await createUserThroughServer(adminInboxPath(config.dataDir), {
      email: email.data,
      password,
      roles,
    });
    if (body.status !== 201) fail(`the running server refused: ${body.error ?? body.status}`, 1);
    process.stdout.write(`created user ${body.id} ${body.email} [${(body.roles ?? []).join(', ')}]\n`);
    return;
  }
  try {
    // The user.created row is keyed with the server's audit key. The embedded database's data
    // directory is the server's own, so its master.key may be created here as the server would;
    // on DATABASE_URL only the server's (OUTPOST_MASTER_SECRET or its master.key) will do.
    const master = db.embedded
      ? await loadMasterSecret(config.masterSecret, config.dataDir)
      : await loadExistingMasterSecret(config.masterSecret, config.dataDir);
    if (!master)
      fail(
        "no master secret: set OUTPOST_MASTER_SECRET to the server's, or OUTPOST_DATA_DIR to the server data directory holding server/master.key",
      );
    installAuditKey(master);
    await migrate(db.pool);
    const user = await createUser(
      db.pool,
      { email: email.data, password, roles: roles.map((r) => Role.parse(r)) },
      { type: 'system', id: 'admin-cli' },
    );
    process.stdout.write(`created user ${user.id} ${user.email} [${user.roles.join(', ')}]\n`);
  } catch (err) {
    if (err instanceof UserExistsError) fail(err.message, 1);
    throw err;
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`admin:create failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
