import { JOB_ERROR_STATUS, JobErrorCode } from '../../protocol/http/jobs';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { listDeadLetters, retryDeadLetter } from './dead-letters';

/** The job queues' dead letters in the console (issue #23, item 4): ./dead-letters.ts. */
export function jobHandlers(deps: TrustDeps): Pick<Handlers, 'listDeadLetters' | 'retryDeadLetter'> {
  return {
    listDeadLetters: async () => ({ body: await listDeadLetters(deps.pool) }),
    retryDeadLetter: async ({ body, user }) => {
      const retried = await retryDeadLetter(deps.pool, body, user.id);
      if (!retried)
        throw new HttpError(
          JOB_ERROR_STATUS.DEAD_LETTER_NOT_FOUND,
          JobErrorCode.DEAD_LETTER_NOT_FOUND,
          'No such dead letter: it was retried already, or never failed for good',
        );
      return { body: retried };
    },
  };
}
