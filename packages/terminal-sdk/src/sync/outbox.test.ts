import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../../../protocol/bundle/constants';
import type { BundleEnvelope } from '../../../../protocol/bundle/envelope';
import type { SaleDoc } from '../store';
import { continueAfter, nextBundleSales, outboxRecord, outcomePatch, salesMovedTo } from './outbox';

const sale = (seq: number, over: Partial<SaleDoc> = {}): SaleDoc => ({
  id: `s${seq}`,
  deviceId: 'OP-TEST',
  seq,
  prevHash: 'p',
  hash: 'h',
  createdAt: 0,
  currency: 'XOF',
  totalMinor: 100,
  lines: [],
  tenders: [],
  status: 'recorded',
  online: false,
  record: JSON.stringify({ sale_id: `s${seq}`, seq }),
  ...over,
});

describe('the next bundle', () => {
  it('takes the unbroken run of seqs after the last bundle, and stops at a hole', () => {
    expect(nextBundleSales([sale(4), sale(5), sale(7)], 3).map((s) => s.seq)).toEqual([4, 5]);
    expect(nextBundleSales([], 3)).toEqual([]);
  });

  it('continues after a run a rollback erased, and after nothing else (#16)', () => {
    const last = { seq: 1, hash: 'h1' };
    const lost = [
      { seq: 2, hash: 'h2' },
      { seq: 5, hash: 'h5' },
    ];
    expect(continueAfter(last, 2, lost)).toBe(last);
    expect(continueAfter(last, undefined, lost)).toBe(last);
    expect(continueAfter(last, 3, lost)).toEqual({ seq: 2, hash: 'h2' });
    expect(continueAfter(last, 6, lost)).toEqual({ seq: 5, hash: 'h5' });
    // A hole no rollback explains stays a hole: nextBundleSales then refuses it.
    expect(continueAfter(last, 4, lost)).toBe(last);
    expect(continueAfter({ seq: 6, hash: 'h6' }, 3, lost)).toEqual({ seq: 6, hash: 'h6' });
  });

  it('refuses a missing first seq and a sale recorded before sales were signed', () => {
    expect(() => nextBundleSales([sale(5)], 3)).toThrow(
      expect.objectContaining({
        code: 'SEQUENCE_GAP',
        message: expect.stringContaining('Sale 4') as unknown,
      }),
    );
    const { record: _record, ...legacy } = sale(4);
    expect(() => nextBundleSales([legacy], 3)).toThrow(expect.objectContaining({ code: 'SALE_LEGACY' }));
  });

  it('holds the envelope as text, pending, never tried yet', () => {
    const envelope = { bundle_id: 'b1', seq_from: 4, seq_to: 5, chain_head: 'c5' } as BundleEnvelope;
    expect(outboxRecord(envelope, 'OP-TEST', GENESIS_HASH, 42)).toEqual({
      bundleId: 'b1',
      deviceId: 'OP-TEST',
      seqFrom: 4,
      seqTo: 5,
      prevChainHead: GENESIS_HASH,
      chainHead: 'c5',
      envelope: JSON.stringify(envelope),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: 0,
      createdAt: 42,
      updatedAt: 42,
    });
  });
});

describe('an answer moves a bundle and its sales forward, never back', () => {
  it('takes the answer on a pending or equal-ranked record, counts the attempt otherwise', () => {
    expect(outcomePatch('pending', 'accepted', 2, 9)).toEqual({
      status: 'accepted',
      nextAttemptAt: 0,
      updatedAt: 9,
      attempts: 2,
    });
    expect(outcomePatch('accepted', 'review', undefined, 9)).toEqual({
      status: 'review',
      nextAttemptAt: 0,
      updatedAt: 9,
    });
    expect(outcomePatch('reconciled', 'accepted', 3, 9)).toEqual({ attempts: 3, updatedAt: 9 });
    expect(outcomePatch('reconciled', 'accepted', undefined, 9)).toBeNull();
    expect(outcomePatch('accepted', 'accepted', undefined, 9)).toBeNull();
  });

  it('moves only the sales it ranks above, or puts an unbundled sale in its bundle', () => {
    const docs = [
      sale(1, { status: 'recorded' }),
      sale(2, { status: 'queued', bundleId: 'old' }),
      sale(3, { status: 'queued' }),
      sale(4, { status: 'reconciled' }),
    ];
    expect(salesMovedTo(docs, 'queued', 7, undefined, 'b1').map((d) => [d.seq, d.bundleId])).toEqual([
      [1, 'b1'],
      [3, 'b1'],
    ]);
    const accepted = salesMovedTo(docs, 'accepted', 7, 'R'.repeat(80));
    expect(accepted.map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(accepted[0]).toMatchObject({ status: 'accepted', updatedAt: 7, statusReason: 'R'.repeat(64) });
    expect(accepted[1]!.bundleId).toBe('old');
  });
});
