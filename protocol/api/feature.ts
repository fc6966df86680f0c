import { z } from 'zod';

/**
 * What one feature adds to the API contract: its commands (input, output) and live subscriptions
 * (input, item), all zod. protocol/api/contract.ts composes every feature's into the one table.
 */
export interface FeatureContract {
  readonly commands: Readonly<Record<string, { readonly input: z.ZodType; readonly output: z.ZodType }>>;
  readonly subscriptions: Readonly<Record<string, { readonly input: z.ZodType; readonly item: z.ZodType }>>;
}

/** The input of a call that takes none. */
export const Empty = z.object({}).strict();

/** A line of text a person typed: trimmed, not empty, at most `max` characters, no control characters. */
export const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{C}]*$/u, 'no control characters');
