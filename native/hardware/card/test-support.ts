import { InMemoryKeyStoreForTests } from '../../keystore/memory';
import type { CardReader } from './readers';
import type { SwipeResult } from './types';
import { SwipeProcessor } from './swipe';
import { CardTokenizer } from './tokenizer';

/** A clock inside every fixture card's validity: March 2026. */
export const FIXED_NOW = new Date('2026-03-15T12:00:00Z');

export function testProcessor(log?: (line: string) => void): {
  processor: SwipeProcessor;
  keyStore: InMemoryKeyStoreForTests;
} {
  const keyStore = new InMemoryKeyStoreForTests();
  const processor = new SwipeProcessor({
    tokenizer: new CardTokenizer(keyStore),
    now: () => FIXED_NOW,
    ...(log ? { log } : {}),
  });
  return { processor, keyStore };
}

/** The shared deterministic PRNG, for the card fuzz tests. */
export { prng } from '../../../protocol/prng';

/** 12 or more consecutive digits anywhere in a value: what a leaked card number looks like. */
export function findsDigitRun(value: unknown): boolean {
  return /\d{12,}/.test(JSON.stringify(value) ?? '');
}

/** Feeds a reader's reports 5 ms apart and returns every swipe result once it has reported them. */
export async function swipe(reader: CardReader, reports: readonly Uint8Array[]): Promise<SwipeResult[]> {
  const results: SwipeResult[] = [];
  reader.onSwipe((r) => results.push(r));
  reports.forEach((r, i) => reader.feed(r, i * 5));
  await reader.idle();
  return results;
}

/** What a clear swipe of the fixtures' Visa test card (VISA_TRACK1 and VISA_TRACK2) gives. */
export const VISA_CLEAR_READ = {
  ok: true,
  brand: 'visa',
  last4: '1111',
  expiry: '2028-12',
  cardholderName: 'John Doe',
} as const;
