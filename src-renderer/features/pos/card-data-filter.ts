import { holdsCardData, startsCardData } from '../../../protocol/card-data';
import { PhysicalText, type PhysicalKey } from '../hardware/physical-keys';

/**
 * The till's search box is a keyboard-wedge reader's destination when no driver holds the device:
 * a magstripe reader set up as a keyboard types its tracks there, key by key. This decides, for
 * each new value of the field, what may stay on screen and be sent to the core (docs/hardware.md,
 * "Card data read by the scanner"). Once a track has begun, everything up to Enter or Escape is
 * the rest of it and is swallowed, so no fragment of the card number is searched or shown. The
 * field's keys are judged too, as a US keyboard types them (`key`, from its keydowns), so a track
 * typed on a French AZERTY layout (`5B'&&&…`) is recognised as soon as it begins.
 */
export class CardDataFilter {
  private discarding = false;
  private readonly physical = new PhysicalText();

  /** A keydown in the field, before its text changes. */
  key(event: PhysicalKey): void {
    this.physical.key(event);
  }

  /** The text the field keeps, or null when it is card data (the caller clears the field and says so). */
  accept(text: string): string | null {
    if (this.discarding) return null;
    if (text === '') this.physical.reset();
    if (!startsCardData(text) && !startsCardData(this.physical.value)) return text;
    this.discarding = true;
    this.physical.reset();
    return null;
  }

  /** Enter or Escape: the reader has finished typing. True when it ended a discarded swipe. */
  end(): boolean {
    const was = this.discarding;
    this.discarding = false;
    this.physical.reset();
    return was;
  }

  get active(): boolean {
    return this.discarding;
  }
}

/** Whole text (Enter) that is card data for certain; a possible GTIN goes to the core to decide. */
export const isCardData = (text: string) => holdsCardData(text);

/**
 * Searched as it is typed: not a run of 7 or more digits. Codes are looked up whole on Enter, so at
 * most the first six digits of a number typed without sentinels (the issuer prefix PCI DSS allows
 * to be shown) ever leave as a search.
 */
export const searchableWhileTyping = (text: string) => !/\d(?:[ -]?\d){6}/.test(text);
