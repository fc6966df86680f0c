import { createHash } from 'node:crypto';
import type { Response } from 'express';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { TrustErrorCode } from '../../protocol/http';
import { HttpError } from '../http/errors';
import { metrics } from '../metrics';
import { THROTTLE_LIMITS, type LimitName, type ThrottleLimits } from './limits';

/** Created by server/migrations/1795459641000_throttle-counters.sql. */
export const THROTTLE_TABLE = 'throttle_counters';

/**
 * - `attempts`: every request counts, before it runs.
 * - `failures`: every request counts before it runs (so a burst of concurrent guesses is bounded
 *   too) and a success gives its point back, or clears the counter with `resetOnSuccess` (unless
 *   the request passed a full counter by its spare: then only its point is given back).
 * - `successes`: only successes count; a request is refused once the window is full.
 * - `record`: never refuses; a success is remembered for the window (see Throttle.recorded).
 */
export type Counting = 'attempts' | 'failures' | 'successes' | 'record';

export interface ThrottleRule {
  limit: LimitName;
  /** What is counted: an account, an address, a device id. Stored only as a hash. */
  subject: string;
  counts: Counting;
  resetOnSuccess?: boolean;
  /**
   * Asked only once this counter is full: true lets the request through all the same (its point is
   * given back on success). For a request that proves who it is cheaply (a push whose device
   * signature verifies, an account that signed in right from this address before), so a counter
   * keyed on something shared (an address behind NAT) never refuses it.
   */
  spare?: () => Promise<boolean>;
}

/** The outcome of a request that was let through: tell the counters how it ended. */
export interface ThrottlePass {
  succeeded(): Promise<void>;
}

/** The library's one query method (not in its typings); see unnamedStatements. */
interface QueryingLimiter {
  _query(q: { name?: string; text: string; values?: unknown[] }): Promise<unknown>;
}

/**
 * The library names its prepared statements; the embedded database (PGlite behind its socket)
 * answers a named statement's second use on a pooled connection with an error. Unnamed statements
 * cost one parse per query on real PostgreSQL, which counters this small do not notice.
 */
function unnamedStatements(limiter: RateLimiterPostgres): RateLimiterPostgres {
  const target = limiter as unknown as QueryingLimiter;
  const query = target._query.bind(limiter);
  target._query = ({ text, values }) => query({ text, ...(values ? { values } : {}) });
  return limiter;
}

const hashed = (limit: LimitName, subject: string) =>
  createHash('sha256').update(`${limit}\0${subject}`).digest('base64url');

export class Throttle {
  private readonly limiters: Record<LimitName, RateLimiterPostgres>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: ThrottleLimits = THROTTLE_LIMITS,
  ) {
    const entries = (Object.keys(limits) as LimitName[]).map((name) => [
      name,
      unnamedStatements(
        new RateLimiterPostgres({
          storeClient: pool,
          storeType: 'pool',
          tableName: THROTTLE_TABLE,
          // The migration owns the table; the library must not create one at run time.
          tableCreated: true,
          // Expired rows are swept by sweep(), on the server's own timer.
          clearExpiredByTimeout: false,
          keyPrefix: name,
          points: limits[name].points,
          duration: limits[name].seconds,
        }),
      ),
    ]);
    this.limiters = Object.fromEntries(entries) as Record<LimitName, RateLimiterPostgres>;
  }

  /**
   * Counts the request against the rules in order, before any costly work (scrypt, opening a
   * bundle). Throws 429 TOO_MANY_REQUESTS with Retry-After at the first full counter: the rules after
   * it are not counted, so a refused request creates no counter for a subject it chose (order the
   * rules with the ones an attacker cannot choose first).
   */
  async enter(rules: readonly ThrottleRule[], res: Response): Promise<ThrottlePass> {
    const counted: ThrottleRule[] = [];
    /** Rules whose counter was full and whose spare let the request through. */
    const spared: ThrottleRule[] = [];
    for (const rule of rules) {
      if (rule.counts === 'record') continue;
      const limiter = this.limiters[rule.limit];
      const key = hashed(rule.limit, rule.subject);
      let waitMs: number | undefined;
      if (rule.counts === 'successes') {
        const state = await limiter.get(key);
        if (state && state.consumedPoints >= this.limits[rule.limit].points) waitMs = state.msBeforeNext;
      } else {
        try {
          await limiter.consume(key);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          waitMs = rejection.msBeforeNext;
        }
        counted.push(rule);
      }
      if (waitMs !== undefined && rule.spare && (await rule.spare())) spared.push(rule);
      else if (waitMs !== undefined) {
        metrics.rateLimitExceeded.inc({ limit: rule.limit });
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        res.setHeader('Retry-After', String(seconds));
        throw new HttpError(
          429,
          TrustErrorCode.TOO_MANY_REQUESTS,
          `Too many attempts: try again in ${seconds} seconds`,
          { retry_after_seconds: seconds },
        );
      }
    }
    return {
      succeeded: async () => {
        for (const rule of rules) {
          const limiter = this.limiters[rule.limit];
          const key = hashed(rule.limit, rule.subject);
          if (rule.counts === 'successes' || rule.counts === 'record') await limiter.penalty(key);
          // A success let through a full counter by its spare gives its point back but does not
          // clear the counter: the owner signing in at her usual address must not reopen the
          // account-wide cap to a stranger guessing from elsewhere.
          else if (rule.counts === 'failures' && rule.resetOnSuccess && !spared.includes(rule))
            await limiter.delete(key);
          else if (rule.counts === 'failures' && counted.includes(rule)) await limiter.reward(key);
        }
      },
    };
  }

  /** Whether a `record` rule remembers a success of `subject` in its current window. */
  async recorded(limit: LimitName, subject: string): Promise<boolean> {
    const state = await this.limiters[limit].get(hashed(limit, subject));
    return (state?.consumedPoints ?? 0) > 0;
  }

  /** Deletes counters whose window ended over an hour ago; returns how many. */
  async sweep(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM ${THROTTLE_TABLE} WHERE expire < $1`, [
      Date.now() - 3_600_000,
    ]);
    return rowCount ?? 0;
  }
}
