/** Shared field definitions. Amounts are integers in ISO 4217 minor units (XOF has none). */
export const MAX_TIME_MS = 253402300799999; // 9999-12-31T23:59:59.999Z: bounds the index string of times

export const idField = { type: 'string', maxLength: 64 } as const;
export const timeField = { type: 'integer', minimum: 0, maximum: MAX_TIME_MS, multipleOf: 1 } as const;
export const currencyField = { type: 'string', pattern: '^[A-Z]{3}$', minLength: 3, maxLength: 3 } as const;
export const minorUnitsField = {
  type: 'integer',
  minimum: -Number.MAX_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;
/** Tax rates in basis points (1800 = 18 %), so no float ever enters an amount computation. */
export const basisPointsField = { type: 'integer', minimum: 0, maximum: 10000 } as const;
