import { postJson } from '../../server/testing/post-json';
import type { PushResponse } from '../../protocol/http';

export interface PushOutcome {
  answer: PushResponse;
  /** Tries that failed before the answer: a reset or refused connection, or a 5xx. */
  retries: number;
}

/**
 * A terminal's push of one sealed bundle, as the till does it: the same bytes again after a failed
 * connection or a 5xx, until the server answers (a bundle stored before its answer was lost comes
 * back as a duplicate). Any other status is a defect of the run and throws.
 */
export async function pushUntilAnswered(baseUrl: string, body: string, maxTries = 40): Promise<PushOutcome> {
  const url = new URL('/offline/push', baseUrl);
  let retries = 0;
  for (;;) {
    let failure: string;
    try {
      const res = await postJson(url, body, false);
      if (res.status === 200) return { answer: JSON.parse(res.text) as PushResponse, retries };
      if (res.status < 500) throw new Error(`push answered ${res.status}: ${res.text.slice(0, 300)}`);
      failure = `${res.status} ${res.text.slice(0, 200)}`;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('push answered')) throw err;
      failure = String(err);
    }
    retries++;
    if (retries >= maxTries) throw new Error(`push failed ${retries} times, last: ${failure}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** retries, 500)));
  }
}
