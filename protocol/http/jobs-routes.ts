import { TrustErrorCode as E } from './codes';
import { ConsoleErrorCode } from './console';
import { DeadLetterList, DeadLetterRetried, JobErrorCode as J, RetryDeadLetterRequest } from './jobs';
import { OPERATIONS_ROLES } from './operations';

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;

/**
 * The job queues' dead letters (issue #23, item 4): who reads the server's health reads them and runs
 * them again. Spread into ROUTES (./routes.ts), whose `satisfies RouteSpec` checks each entry.
 */
export const JOBS_ROUTES = {
  listDeadLetters: {
    method: 'GET',
    path: '/offline/jobs/dead-letters',
    auth: OPERATIONS_ROLES,
    summary:
      'The jobs that failed as often as their queue allows (reconciliation: 10 tries; encryption: 5) and wait for an operator, newest first (at most 100, with the total): each with its queue, id, what it routes by (the bundle’s device, the material), what it works on, its attempts and its last failure.',
    status: 200,
    response: DeadLetterList,
    errors: [...bearer],
  },
  retryDeadLetter: {
    method: 'POST',
    path: '/offline/jobs/dead-letters/retry',
    auth: OPERATIONS_ROLES,
    summary:
      'Runs a dead letter again: its attempts start from zero and it is ready at once (a material goes back to pending). The body names it as the list did. Audited (`job.retried`). 404 DEAD_LETTER_NOT_FOUND when there is no such dead letter (retried already, or never one).',
    body: RetryDeadLetterRequest,
    status: 200,
    response: DeadLetterRetried,
    errors: [...bearer, ConsoleErrorCode.CSRF_REJECTED, J.DEAD_LETTER_NOT_FOUND],
  },
} as const;
