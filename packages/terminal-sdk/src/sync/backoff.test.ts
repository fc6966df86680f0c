import { describe, expect, it } from 'vitest';
import { ApiError, unlisted } from '../../../../protocol/api';
import { PAYMENT_ERROR_STATUS } from '../../../../protocol/http/payments';
import { backoffDelay, isRetryable, pushVerdict } from './backoff';

describe('backoff', () => {
  it('doubles up to the ceiling, with jitter between half and all of it', () => {
    const at = (attempt: number, r: number) =>
      backoffDelay(attempt, { baseMs: 1000, maxMs: 60_000, random: () => r });
    expect([1, 2, 3, 4].map((n) => at(n, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(at(3, 0)).toBe(2000);
    expect(at(40, 1)).toBe(60_000);
  });

  it('retries the network and server failures, never a refusal', () => {
    expect(isRetryable(new ApiError('UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetryable(new ApiError('INTERNAL', 'x', { status: 500 }))).toBe(true);
    expect(isRetryable(new ApiError(unlisted('SOMETHING'), 'x', { status: 503 }))).toBe(true);
    expect(isRetryable(new ApiError(unlisted('RATE'), 'x', { status: 429 }))).toBe(true);
    expect(isRetryable(new ApiError('CLOCK_SKEW', 'x', { status: 422 }))).toBe(false);
    expect(isRetryable(new ApiError('INVALID_SIGNATURE', 'x', { status: 401 }))).toBe(false);
    expect(isRetryable(new ApiError('SEQUENCE_CONFLICT', 'x', { status: 409 }))).toBe(false);
    expect(isRetryable(new Error('bug'))).toBe(true);
    // A 4xx the server did not sign arrives as REFUSAL_UNVERIFIED (push-refusal.ts): never final.
    expect(isRetryable(new ApiError('REFUSAL_UNVERIFIED', 'x'))).toBe(true);
  });

  it('takes every refusal code of the push as final, the trust refusals of issue #16 among them', () => {
    const codes = Object.entries(PAYMENT_ERROR_STATUS);
    for (const code of [
      'DEVICE_NOT_TERMINAL',
      'POLICY_MISSING',
      'CURRENCY_NOT_ALLOWED',
      'UNKNOWN_SERVER_KEY',
    ])
      expect(codes.map(([c]) => c)).toContain(code);
    for (const [code, status] of codes)
      expect(isRetryable(new ApiError(unlisted(code), 'x', { status })), `${code} ${status}`).toBe(false);
  });
});

describe('push verdict', () => {
  const options = { baseMs: 1000, maxMs: 60_000, random: () => 1 };

  it('retries a retryable failure after the backoff of its attempt, from now', () => {
    expect(pushVerdict(new ApiError('UNAVAILABLE', 'x'), 1, options, 10_000)).toEqual({
      retry: true,
      at: 11_000,
    });
    expect(pushVerdict(new ApiError('INTERNAL', 'x', { status: 500 }), 3, options, 10_000)).toEqual({
      retry: true,
      at: 14_000,
    });
    expect(pushVerdict(new ApiError('POLICY_STATEMENT_INVALID', 'x'), 1, options, 0)).toEqual({
      retry: true,
      at: 1000,
    });
  });

  it('takes a refusal as final', () => {
    expect(pushVerdict(new ApiError('SEQUENCE_CONFLICT', 'x', { status: 409 }), 1, options, 0)).toEqual({
      retry: false,
    });
  });
});
