import { InMemoryKeyStoreForTests } from '../../keystore/memory';
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

/** Deterministic PRNG (mulberry32) for fuzz tests: the same seed gives the same cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 12 or more consecutive digits anywhere in a value: what a leaked card number looks like. */
export function findsDigitRun(value: unknown): boolean {
  return /\d{12,}/.test(JSON.stringify(value) ?? '');
}
