import { Agent } from 'node:http';
import { postJson } from '../../server/testing/post-json';

/**
 * The simulated terminals' side of bench/fleet.ts, run in a child process of its own so that their
 * CPU is measured apart from the servers'. Everything they send is sealed, signed and serialised
 * before it gets here: this side only writes bytes and reads answers.
 */

export interface Push {
  url: string;
  body: string;
  sales: number;
}

export interface Job {
  /**
   * paced: each lane is one terminal's push at a random moment of `windowMs` (terminals that push
   * every few seconds, out of step). saturated: `concurrency` terminals at a time push their lanes
   * back to back, the next terminal starting as one finishes: the most the servers can take.
   */
  kind: 'paced' | 'saturated';
  lanes: Push[][];
  windowMs?: number;
  concurrency?: number;
}

export interface JobResult {
  seconds: number;
  latencies: number[];
  outcomes: Record<string, number>;
  acceptedPushes: number;
  acceptedSales: number;
}

// One kept-alive agent per server, kept across jobs: a till keeps its connection between pushes.
const agents = new Map<string, Agent>();
function agentFor(origin: string): Agent {
  let agent = agents.get(origin);
  if (!agent) agents.set(origin, (agent = new Agent({ keepAlive: true, maxSockets: 2000 })));
  return agent;
}

export async function runJob(job: Job): Promise<JobResult> {
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let acceptedPushes = 0;
  let acceptedSales = 0;
  const one = async (push: Push) => {
    const t0 = performance.now();
    let key: string;
    try {
      const url = new URL('/offline/push', push.url);
      // A kept-alive connection the server closed as it went idle resets the next request sent on
      // it; a till sends the same bytes again (a push is idempotent by its bundle id), so does this.
      const res = await postJson(url, push.body, agentFor(url.origin)).catch(() => {
        outcomes.retried = (outcomes.retried ?? 0) + 1;
        return postJson(url, push.body, agentFor(url.origin));
      });
      latencies.push(performance.now() - t0);
      // Only the status is read: parsing every answer would be client CPU the servers do not cost.
      const accepted = res.status === 200 && res.text.includes('"status":"accepted"');
      key = accepted ? 'accepted' : `${res.status} ${res.text.slice(0, 120)}`;
      if (accepted) {
        acceptedPushes++;
        acceptedSales += push.sales;
      }
    } catch (err) {
      key = `error ${String(err).slice(0, 80)}`;
    }
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };

  const start = performance.now();
  if (job.kind === 'paced') {
    const window = job.windowMs ?? 5000;
    await Promise.all(
      job.lanes.map(async (lane) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * window));
        for (const push of lane) await one(push);
      }),
    );
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(job.concurrency ?? 100, job.lanes.length) }, async () => {
        while (next < job.lanes.length) for (const push of job.lanes[next++]!) await one(push);
      }),
    );
  }
  return {
    seconds: (performance.now() - start) / 1000,
    latencies,
    outcomes,
    acceptedPushes,
    acceptedSales,
  };
}

/** The child's loop: a job in, its result out, until the parent disconnects. */
export function serveJobs(): void {
  process.on('message', (job: Job) => {
    void runJob(job).then((result) => process.send!(result));
  });
  process.on('disconnect', () => {
    for (const agent of agents.values()) agent.destroy();
    process.exit(0);
  });
}
