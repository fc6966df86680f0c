import { readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { ScoreReason } from '../../protocol/http';
import { BUNDLE_STATES } from '../../protocol/states';
import {
  awaitsReview,
  BUNDLE_TRANSITIONS,
  checkTransition,
  mayTransition,
  withOrigin,
  withoutOrigin,
} from './bundle-states';

const reason = (code: ScoreReason['code'], detail: string): ScoreReason => ({ code, weight: 0.2, detail });

describe('bundle state transitions (#17)', () => {
  it('never leaves reconciled or rejected', () => {
    for (const t of BUNDLE_TRANSITIONS) expect(['reconciled', 'rejected']).not.toContain(t.from);
  });

  it('stores a pushed bundle only in a scored state, never reconciled or rejected', () => {
    const pushed = BUNDLE_TRANSITIONS.filter((t) => t.from === null);
    expect(new Set(pushed.map((t) => t.by))).toEqual(new Set(['push']));
    expect(pushed.map((t) => t.to).sort()).toEqual(['accepted', 'quarantined', 'review']);
  });

  it('lets only the worker reconcile, and only an accepted bundle', () => {
    const reconciling = BUNDLE_TRANSITIONS.filter((t) => t.to === 'reconciled');
    expect(reconciling).toEqual([{ from: 'accepted', to: 'reconciled', by: 'worker_posted' }]);
    for (const from of BUNDLE_STATES)
      if (from !== 'accepted') expect(mayTransition(from, 'reconciled', 'worker_posted'), from).toBe(false);
  });

  it('lets only a reviewer reject, and only a held bundle', () => {
    const rejecting = BUNDLE_TRANSITIONS.filter((t) => t.to === 'rejected');
    expect(rejecting.map((t) => `${t.from}:${t.by}`).sort()).toEqual([
      'quarantined:reviewer',
      'review:reviewer',
    ]);
    expect(awaitsReview('review')).toBe(true);
    expect(awaitsReview('quarantined')).toBe(true);
    for (const status of ['accepted', 'reconciled', 'rejected'] as const)
      expect(awaitsReview(status)).toBe(false);
  });

  it('sends a refund held at posting back to ops, never straight to accepted', () => {
    expect(mayTransition('accepted', 'review', 'worker_refund_held')).toBe(true);
    expect(mayTransition('accepted', 'quarantined', 'worker_refund_held')).toBe(true);
    expect(mayTransition('accepted', 'accepted', 'worker_refund_held')).toBe(false);
    expect(mayTransition('review', 'quarantined', 'worker_refund_held')).toBe(false);
  });

  it('rescores a held bundle on a filled gap, but never an accepted or final one', () => {
    expect(mayTransition('quarantined', 'accepted', 'gap_resolved')).toBe(true);
    for (const from of ['accepted', 'reconciled', 'rejected'] as const)
      expect(mayTransition(from, 'accepted', 'gap_resolved'), from).toBe(false);
  });

  it('refuses what the table does not list, naming it', () => {
    expect(() => checkTransition('rejected', 'accepted', 'reviewer')).toThrow(
      'bundle state rejected -> accepted is not allowed for reviewer',
    );
    expect(() => checkTransition(null, 'reconciled', 'push')).toThrow(/\(new\) -> reconciled/);
    expect(() => checkTransition('review', 'rejected', 'reviewer')).not.toThrow();
  });
});

describe('reason origins (#17)', () => {
  const heldGap = withOrigin(
    reason('SEQUENCE_GAP', 'server holds sales up to 4; bundle starts at 7'),
    'held_gap',
  );
  const innerGap = reason('SEQUENCE_GAP', 'inside the bundle: seq 9 after 7');
  const posting = withOrigin(reason('REFUND_MISMATCH', 'at posting: more than remains'), 'posting');
  const atPush = reason('REFUND_MISMATCH', 'exceeds the 7080 left');

  it('removes the reasons of one origin and keeps every other, in order', () => {
    const reasons = [atPush, heldGap, innerGap, posting];
    expect(withoutOrigin(reasons, 'held_gap')).toEqual([atPush, innerGap, posting]);
    expect(withoutOrigin(reasons, 'posting')).toEqual([atPush, heldGap, innerGap]);
  });

  it('is dropped from answers by the route schema, so clients see the reasons they always saw', () => {
    const stored = reason('SEQUENCE_GAP', 'server holds sales up to 4; bundle starts at 7');
    expect(ScoreReason.parse(withOrigin(stored, 'held_gap'))).toStrictEqual(stored);
  });

  it('goes by the recorded origin, never by the text of the detail', () => {
    const lookalike = reason('SEQUENCE_GAP', 'server holds sales up to 4; bundle starts at 7');
    expect(withoutOrigin([lookalike], 'held_gap')).toEqual([lookalike]);
    const reworded = withOrigin(reason('REFUND_MISMATCH', 'found when posting'), 'posting');
    expect(withoutOrigin([reworded, atPush], 'posting')).toEqual([atPush]);
  });
});

describe('migration 1795459641100_reason-origins (#17)', () => {
  it('marks the reasons of bundles stored before by their old text, once, in order', async () => {
    const sql = readFileSync(
      new URL('../migrations/1795459641100_reason-origins.sql', import.meta.url),
      'utf8',
    );
    const up = sql.slice(0, sql.indexOf('-- Down Migration'));
    const client = new pg.Client({ connectionString: await freshDatabase() });
    await client.connect();
    try {
      // Only the column the migration reads and writes: the rest of the table is not its business.
      await client.query(
        'CREATE TABLE offline_tx_bundles (bundle_id int PRIMARY KEY, reasons jsonb NOT NULL)',
      );
      const held = [
        reason('VELOCITY', 'fast'),
        reason('SEQUENCE_GAP', 'server holds sales up to 4; bundle starts at 7'),
      ];
      const posted = [atPushReason(), reason('REFUND_MISMATCH', 'at posting: more than remains')];
      const plain = [reason('SEQUENCE_GAP', 'inside the bundle: seq 9 after 7')];
      for (const [id, reasons] of [held, posted, plain, []].entries())
        await client.query('INSERT INTO offline_tx_bundles VALUES ($1, $2)', [id, JSON.stringify(reasons)]);
      await client.query(up);
      const { rows } = await client.query<{ reasons: unknown }>(
        'SELECT reasons FROM offline_tx_bundles ORDER BY bundle_id',
      );
      expect(rows.map((r) => r.reasons)).toEqual([
        [held[0], { ...held[1], origin: 'held_gap' }],
        [posted[0], { ...posted[1], origin: 'posting' }],
        plain,
        [],
      ]);
    } finally {
      await client.end();
    }
  });
});

function atPushReason(): ScoreReason {
  return reason('REFUND_MISMATCH', 'exceeds the 7080 left');
}
