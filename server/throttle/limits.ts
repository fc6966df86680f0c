/**
 * How much each counter allows (docs/operations.md "Throttling"). Windows are fixed: they start at
 * the first counted request and last `seconds`; Retry-After is the time left in the window.
 *
 * The numbers are picked so a real till or classroom never meets them: per-address limits count
 * failures only (a school's 30 laptops behind one NAT address signing in at 8:00 count nothing),
 * and a successful sign-in gives its account a clean slate.
 */
export interface Limit {
  /** Requests counted in one window before the next one is refused with 429. */
  points: number;
  seconds: number;
}

export const THROTTLE_LIMITS = {
  /**
   * Wrong passwords for one account from one address; a success there resets it. 10 guesses per
   * 15 min. Keyed by address too, so a stranger elsewhere cannot lock the account's owner out.
   */
  signInFailuresPerAccountAndAddress: { points: 10, seconds: 15 * 60 },
  /**
   * Wrong passwords for one account from every address together: a guesser spread over many
   * addresses. High enough that one stranger's 10 guesses never reach it; a success resets it.
   */
  signInFailuresPerAccount: { points: 100, seconds: 15 * 60 },
  /**
   * Failed sign-ins from one address (any account): a password sprayer across accounts. Once full,
   * it refuses only accounts without a recent success from that address (next limit), so a school
   * behind one NAT address keeps signing in while a spray from there is stopped.
   */
  signInFailuresPerAddress: { points: 100, seconds: 15 * 60 },
  /**
   * Right-password sign-ins of one account, from every address: never a guess, but each is a 32 MiB
   * scrypt and a new refresh token. A person, or a class's 30 laptops on a shared account, signs in
   * far fewer times in 15 minutes; a loop is refused before its scrypt (issue #16, third pass L2).
   */
  signInSuccessesPerAccount: { points: 120, seconds: 15 * 60 },
  /**
   * Not a limit: remembers for 30 days that an account signed in right from an address (its /64),
   * which spares that account the per-address refusal above.
   */
  signInSuccessesPerAccountAndAddress: { points: 1, seconds: 30 * 24 * 60 * 60 },
  /**
   * Refused console link acceptances (unknown, used or expired invitation or reset token) from one
   * address: a live link is let through, so only made-up tokens count (issue #16, eighth pass M-2).
   */
  acceptLinkFailuresPerAddress: { points: 20, seconds: 15 * 60 },
  /** Refused first-run setups (set up already, or a dead setup link) from one address. */
  setupFailuresPerAddress: { points: 20, seconds: 15 * 60 },
  /** Refused refresh tokens from one address: guessing or replaying tokens. */
  refreshFailuresPerAddress: { points: 100, seconds: 15 * 60 },
  /** Refused enrollments (wrong or used code) from one address: guessing enrollment codes. */
  enrollFailuresPerAddress: { points: 20, seconds: 60 * 60 },
  /** Enrollment attempts for one device id: a till enrols once, a retry or two after a failure. */
  enrollAttemptsPerDevice: { points: 10, seconds: 60 * 60 },
  /**
   * Refused pushes from one address: garbage or forged bundles. Once full, a push is refused only if
   * its device signature does not verify (one Ed25519 check): a till behind the same NAT as the
   * sender of the garbage keeps pushing.
   */
  pushFailuresPerAddress: { points: 300, seconds: 15 * 60 },
  /**
   * Accepted pushes per device (answers, duplicates included). A till catching up after days
   * offline sends one bundle per 500 sales: 600 per 10 minutes is 300,000 sales.
   */
  pushesPerDevice: { points: 600, seconds: 10 * 60 },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof THROTTLE_LIMITS;
export type ThrottleLimits = Record<LimitName, Limit>;
