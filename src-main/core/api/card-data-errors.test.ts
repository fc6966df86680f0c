import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../protocol/api';
import { toApiError } from './dispatch';

/**
 * The last check before a refusal leaves the core for the renderer: a message or detail that repeats
 * card data (a handler echoing its input) is replaced, and the log of an unexpected error masks it.
 */
describe('refusals leaving the core', () => {
  it('never repeat card data in a message or its details', () => {
    for (const error of [
      new ApiError('NOT_FOUND', 'No product has the barcode 4111111111111111.'),
      new ApiError('INVALID_INPUT', 'bad input', { input: '%B5555555555554444^DOE/JOHN^2712?' }),
    ]) {
      expect(toApiError(error).toBody()).toEqual({
        code: 'CARD_DATA_DISCARDED',
        message: 'Card data was read by the scanner; it was discarded. Use the card reader.',
      });
    }
    const plain = new ApiError('NOT_FOUND', 'No product has the barcode 4006381333931.');
    expect(toApiError(plain)).toBe(plain);
  });

  it('masks card data in the log of an unexpected error', () => {
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      expect(toApiError(new Error('lookup of ;4111111111111111=2812? failed')).code).toBe('INTERNAL');
    } finally {
      console.error = original;
    }
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).toContain('lookup of');
    expect(JSON.stringify(logged)).not.toMatch(/4111/);
  });
});
