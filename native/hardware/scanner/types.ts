export type ScanSource = 'hid-pos' | 'keyboard-wedge';

export interface ScanResult {
  /** e.g. 'ean-13', 'qr', 'code-128'; absent when the scanner does not say. */
  readonly symbology?: string;
  readonly data: string;
  readonly source: ScanSource;
  /** Set when `data` is a GTIN-8/12/13/14 with a correct check digit: the product lookup key. */
  readonly gtin?: { readonly kind: 'GTIN-8' | 'GTIN-12' | 'GTIN-13' | 'GTIN-14'; readonly value: string };
}

/**
 * A scan that held card data (a magstripe reader typing its tracks as a keyboard scanner,
 * `protocol/card-data.ts`): dropped in the driver, so only this notice goes further, never the text.
 */
export interface DiscardedScan {
  readonly reason: 'CARD_DATA';
  readonly source: ScanSource;
}
