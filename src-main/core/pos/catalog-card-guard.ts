import { ApiError, type CatalogEntry } from '../../../protocol/api';
import { CARD_DATA_DISCARDED, CARD_DATA_MESSAGE, classifyCardData } from '../../../protocol/card-data';

/**
 * The till's search box is where a keyboard-wedge reader types when no scanner driver holds it, so
 * the catalog's two lookups refuse card data the renderer should already have dropped, without
 * looking it up, storing or echoing it (docs/hardware.md, "Card data read by the scanner").
 */
export function cardDataRefusal(): ApiError {
  return new ApiError(CARD_DATA_DISCARDED, CARD_DATA_MESSAGE);
}

export function refuseCardDataQuery(query: string): void {
  if (classifyCardData(query) === 'card-data') throw cardDataRefusal();
}

/**
 * A 12–14 digit code that is both Luhn- and GS1-valid is a product only if the catalog has it;
 * otherwise it is treated as the card number it may be, so the answer never repeats it.
 */
export async function guardedByBarcode(
  barcode: string,
  lookup: (barcode: string) => Promise<CatalogEntry | null>,
): Promise<CatalogEntry | null> {
  const verdict = classifyCardData(barcode);
  if (verdict === 'card-data') throw cardDataRefusal();
  const item = await lookup(barcode);
  if (!item && verdict === 'ambiguous') throw cardDataRefusal();
  return item;
}
