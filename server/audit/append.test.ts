import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { createPool } from '../db/pool';
import { withTransaction } from '../db/tx';
import { migrate } from '../db/migrate';
import { appendAudit, auditHash, auditTemplate, GENESIS_HASH, type AuditRow } from './chain';
import { installAuditKey } from './key';
import { verifyAuditChain } from './verify';

/**
 * The chain's hash is computed by PostgreSQL (offline_audit_append) from a canonical JSON template
 * built here; verify.ts recomputes it in JS. These must agree byte for byte, whatever the details.
 */
let pool: ReturnType<typeof createPool>;
const key = installAuditKey(randomBytes(32));
beforeAll(async () => {
  pool = createPool(await freshDatabase());
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
});

const awkward: Record<string, unknown>[] = [
  {},
  { id: '@', prev_hash: '@' },
  { nested: { id: '@', prev_hash: '@' }, note: '"id":"@","prev_hash":"@"' },
  { text: 'Café — 日本語 🙂 \u0001 \n "quoted" \\ back', amount: 1234567890123, ratio: 0.1 },
  { list: [3, 1, 2, { b: 1, a: [null, true, false] }], empty: [], zero: 0, neg: -5 },
];

describe('audit append in one statement', () => {
  it('the template is auditHash split around id and prev_hash', () => {
    const row = {
      chain: 'device:"id":"@"',
      at: '2026-01-02T03:04:05.678Z',
      actor_type: 'user',
      actor_id: 'u-1',
      action: 'x.y',
      target_type: null,
      target_id: '"id":"@","prev_hash":"@"',
      details: awkward[2]!,
    };
    const { head, tail } = auditTemplate(row);
    const full: AuditRow = { ...row, id: '42', prev_hash: GENESIS_HASH };
    const pasted = `${head}"42","prev_hash":"${GENESIS_HASH}"${tail}`;
    expect(createHash('sha256').update(pasted).digest('hex')).toBe(auditHash(full));
  });

  it('rows appended with awkward details verify, and link in order under concurrency', async () => {
    const results = await Promise.all(
      awkward.flatMap((details, i) =>
        [0, 1, 2].map((k) =>
          withTransaction(pool, (client) =>
            appendAudit(client, {
              actorType: 'system',
              actorId: `w-${k}`,
              action: 'test.append',
              targetType: 'case',
              targetId: `${i}-"${k}"`,
              details,
            }),
          ),
        ),
      ),
    );
    expect(new Set(results.map((r) => r.hash)).size).toBe(results.length);
    const report = await verifyAuditChain(pool, key);
    expect(report).toMatchObject({ ok: true });
    expect(report.rows).toBeGreaterThanOrEqual(results.length);
  });
});
