import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../crypto/canonical';
import { createHash } from 'node:crypto';
import { GENESIS_HEAD, saleHash, verifyChain } from './chain';
import { chainOf } from './fixtures.test-helpers';

describe('sale hash chain', () => {
  it('hashes the canonical bytes, whatever the key order', () => {
    const [sale] = chainOf(1);
    const reordered = Object.fromEntries(Object.entries(sale!).reverse()) as typeof sale;
    expect(saleHash(reordered!)).toBe(saleHash(sale!));
    expect(saleHash(sale!)).toBe(createHash('sha256').update(canonicalBytes(sale)).digest('base64url'));
    // Beyond ASCII and the BMP: hashed as the UTF-8 bytes of the canonical JSON.
    const accented = { ...sale!, lines: [{ ...sale!.lines[0]!, name: 'Café \u2615 \ud83d\ude00' }] };
    expect(saleHash(accented)).toBe(
      createHash('sha256').update(canonicalBytes(accented)).digest('base64url'),
    );
    expect(saleHash(accented)).not.toBe(saleHash(sale!));
    expect(GENESIS_HEAD.hash).toBe(Buffer.alloc(32).toString('base64url'));
  });

  it('accepts an unbroken chain and returns its head', () => {
    const sales = chainOf(5);
    expect(verifyChain(sales, GENESIS_HEAD)).toEqual({
      ok: true,
      head: { seq: 5, hash: saleHash(sales[4]!) },
    });
    const more = chainOf(3, 6, saleHash(sales[4]!));
    expect(verifyChain(more, { seq: 5, hash: saleHash(sales[4]!) }).ok).toBe(true);
  });

  it('reports the first gap, reordering or duplicate as SEQUENCE_GAP', () => {
    const sales = chainOf(5);
    expect(verifyChain([sales[0]!, sales[2]!], GENESIS_HEAD)).toMatchObject({
      ok: false,
      code: 'SEQUENCE_GAP',
      index: 1,
      expected: 2,
      actual: 3,
    });
    expect(verifyChain([sales[1]!, sales[0]!], GENESIS_HEAD)).toMatchObject({
      code: 'SEQUENCE_GAP',
      index: 0,
    });
    expect(verifyChain([sales[0]!, sales[0]!], GENESIS_HEAD)).toMatchObject({
      code: 'SEQUENCE_GAP',
      index: 1,
    });
  });

  it('reports an edited sale as CHAIN_BROKEN at the next one', () => {
    const sales = chainOf(4);
    sales[1] = { ...sales[1]!, total_minor: 1 };
    expect(verifyChain(sales, GENESIS_HEAD)).toMatchObject({ ok: false, code: 'CHAIN_BROKEN', index: 2 });
    expect(verifyChain(chainOf(2), { seq: 0, hash: 'B'.repeat(43) })).toMatchObject({
      code: 'CHAIN_BROKEN',
      index: 0,
    });
  });

  it('detects a fork: same seqs, different history', () => {
    const a = chainOf(3);
    const b = chainOf(3);
    expect(verifyChain([a[0]!, a[1]!, b[2]!], GENESIS_HEAD)).toMatchObject({
      code: 'CHAIN_BROKEN',
      index: 2,
    });
  });
});
