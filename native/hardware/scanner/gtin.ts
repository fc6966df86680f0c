import type { ScanResult } from './types';

const KINDS = { 8: 'GTIN-8', 12: 'GTIN-12', 13: 'GTIN-13', 14: 'GTIN-14' } as const;

/** GS1 General Specifications 7.9.1: weights 3,1,3,… from the digit left of the check digit. */
export function gtinCheckDigitValid(digits: string): boolean {
  if (!/^\d+$/.test(digits) || digits.length < 2) return false;
  let sum = 0;
  for (let i = digits.length - 2, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += Number(digits[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

export function recogniseGtin(data: string): ScanResult['gtin'] {
  const kind = KINDS[data.length as keyof typeof KINDS];
  if (!kind || !gtinCheckDigitValid(data)) return undefined;
  return { kind, value: data };
}
