export type ScanSource = 'hid-pos' | 'keyboard-wedge';

export interface ScanResult {
  /** e.g. 'ean-13', 'qr', 'code-128'; absent when the scanner does not say. */
  readonly symbology?: string;
  readonly data: string;
  readonly source: ScanSource;
  /** Set when `data` is a GTIN-8/12/13/14 with a correct check digit: the product lookup key. */
  readonly gtin?: { readonly kind: 'GTIN-8' | 'GTIN-12' | 'GTIN-13' | 'GTIN-14'; readonly value: string };
}
