import { z } from 'zod';
import { IsoDateTime, plainText } from './common';

/**
 * The job queues' dead letters (issue #23, item 4): jobs that failed as often as their queue allows
 * and now wait for an operator, who may run them again from the console's Home page. Browser-safe
 * (zod only).
 */

/** The queues that keep dead letters: bundles to post to the ledger, and materials to encrypt. */
export const JOB_QUEUES = ['reconciliation', 'encryption'] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];

/** The most dead letters GET /offline/jobs/dead-letters answers, newest first. */
export const DEAD_LETTERS_MAX = 100;

const Key = plainText(200);

export const DeadLetter = z.object({
  queue: z.enum(JOB_QUEUES),
  /** The job: the bundle's id (reconciliation) or the encryption job's id. */
  id: z.string().uuid(),
  /** What the job routes by and its every statement names: the bundle's device, the job's material. */
  routes_by: Key,
  /** What the job works on, for the operator: the bundle, or the material's title. */
  target: z.string(),
  attempts: z.number().int().min(0),
  /** The last failure's message. */
  reason: z.string().nullable(),
  failed_at: IsoDateTime.nullable(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const DeadLetterList = z.object({
  dead_letters: z.array(DeadLetter),
  /** How many there are in all (the list holds the newest DEAD_LETTERS_MAX). */
  total: z.number().int().min(0),
});
export type DeadLetterList = z.infer<typeof DeadLetterList>;

/** POST /offline/jobs/dead-letters/retry: one dead letter, as the list named it. */
export const RetryDeadLetterRequest = z
  .object({ queue: z.enum(JOB_QUEUES), id: z.string().uuid(), routes_by: Key })
  .strict();
export type RetryDeadLetterRequest = z.infer<typeof RetryDeadLetterRequest>;

export const DeadLetterRetried = z.object({
  queue: z.enum(JOB_QUEUES),
  id: z.string().uuid(),
  /** The job is queued again with its attempts reset, ready at once. */
  run_after: IsoDateTime,
});
export type DeadLetterRetried = z.infer<typeof DeadLetterRetried>;

export const JobErrorCode = {
  /** No dead letter by that queue, key and id: never one, or retried already. */
  DEAD_LETTER_NOT_FOUND: 'DEAD_LETTER_NOT_FOUND',
} as const;
export type JobErrorCode = (typeof JobErrorCode)[keyof typeof JobErrorCode];

export const JOB_ERROR_STATUS: Record<JobErrorCode, number> = { DEAD_LETTER_NOT_FOUND: 404 };
