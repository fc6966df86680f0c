import { brandOf } from './brand';
import { checkExpiry } from './expiry';
import { luhnValid } from './luhn';
import type { CardTokenizer } from './tokenizer';
import { parseTrack1, parseTrack2, type TrackFields } from './track-parse';
import { combineMasked, parseMaskedTrack1, parseMaskedTrack2 } from './masked';
import {
  failure,
  mainTrack,
  type SwipeFailure,
  type SwipeResult,
  type SwipeTracks,
  type TrackRead,
} from './types';

export interface SwipeProcessorOptions {
  readonly tokenizer: CardTokenizer;
  /** The terminal's clock; expiry is judged against it (tests pass a fixed one). */
  readonly now: () => Date;
  /** Called with one line per swipe outcome. Lines never hold track data. */
  readonly log?: (line: string) => void;
}

const SERVICE_FIRST_DIGITS = new Set(['1', '2', '5', '6', '7', '9']);

/**
 * Turns the tracks of one swipe into what the core may see. Track 2 is preferred for the card
 * number and expiry (4-bit characters, fewer read errors); track 1 adds the cardholder name. One
 * good track is enough; when both decode, they must name the same card.
 */
export class SwipeProcessor {
  constructor(private readonly options: SwipeProcessorOptions) {}

  async process(tracks: SwipeTracks): Promise<SwipeResult> {
    if (tracks.masked) return this.processMasked(tracks);
    const t1 = readTrack(tracks.track1, parseTrack1, 1);
    const t2 = readTrack(tracks.track2, parseTrack2, 2);
    try {
      const result = await this.combine(t1, t2);
      this.logOutcome(result);
      return result;
    } finally {
      if (t1 && !('ok' in t1)) t1.pan.fill(0);
      if (t2 && !('ok' in t2)) t2.pan.fill(0);
    }
  }

  /**
   * An encrypting reader's masked tracks: brand, last four and a shown expiry, nothing else (no
   * PAN, so no token, no Luhn check: the reader checked the stripe before masking it).
   */
  private processMasked(tracks: SwipeTracks): SwipeResult {
    const result = combineMasked(
      readTrack(tracks.track1, parseMaskedTrack1, 1),
      readTrack(tracks.track2, parseMaskedTrack2, 2),
      this.options.now(),
    );
    this.logOutcome(result);
    return result;
  }

  private logOutcome(result: SwipeResult): void {
    this.options.log?.(
      result.ok ? `swipe ok: ${result.brand} …${result.last4}` : `swipe failed: ${result.reason}`,
    );
  }

  private async combine(
    t1: TrackFields | SwipeFailure | undefined,
    t2: TrackFields | SwipeFailure | undefined,
  ): Promise<SwipeResult> {
    const picked = mainTrack(t1, t2);
    if ('ok' in picked) return picked;
    const { main, good1, good2 } = picked;
    if (good1 && good2 && (!good1.pan.equals(good2.pan) || good1.expiry !== good2.expiry)) {
      return failure('TRACK_MISMATCH', 'tracks 1 and 2 disagree');
    }
    if (!luhnValid(main.pan)) return failure('LUHN_FAILED', 'the card number check digit is wrong');
    const expiry = checkExpiry(main.expiry, this.options.now());
    if (typeof expiry !== 'string') return expiry;
    if (!SERVICE_FIRST_DIGITS.has(main.serviceCode[0] ?? '')) {
      return failure('BAD_SERVICE_CODE', 'the service code is not one ISO/IEC 7813 defines');
    }
    let token: string;
    try {
      token = await this.options.tokenizer.token(main.pan);
    } catch {
      return failure('TOKEN_KEY_UNAVAILABLE', 'the card token key could not be read from the keychain');
    }
    const name = good1?.name;
    return {
      ok: true,
      brand: brandOf(main.pan),
      last4: main.pan.subarray(main.pan.length - 4).toString('latin1'),
      expiry,
      serviceCode: main.serviceCode,
      token,
      ...(name ? { cardholderName: name } : {}),
    };
  }
}

function readTrack<T>(
  read: TrackRead,
  parse: (data: Uint8Array) => T | SwipeFailure,
  n: 1 | 2,
): T | SwipeFailure | undefined {
  if (read.status === 'absent') return undefined;
  if (read.status === 'error') return failure('UNREADABLE_TRACK', `the reader could not decode track ${n}`);
  return parse(read.data);
}
