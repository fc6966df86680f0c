import { ApiError, type CatalogEntry } from '../../../protocol/api';
import { CARD_DATA_DISCARDED, CARD_DATA_MESSAGE, classifyCardData } from '../../../protocol/card-data';

/**
 * Card data typed where a keyboard-wedge reader types when no scanner driver holds it (the till's
 * search box, free-text fields) is refused by the core too, without looking it up, storing or
 * echoing it: the renderer should already have dropped it (docs/hardware.md, "Card data read by
 * the scanner").
 */
export function cardDataRefusal(): ApiError {
  return new ApiError(CARD_DATA_DISCARDED, CARD_DATA_MESSAGE);
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

/** Inputs whose format already rules card data out, and the manager PIN (4–12 digits by design). */
const NOT_TEXT = new Set(['pin', 'originalSaleId', 'verificationId', 'saleId']);

/**
 * Every POS command may carry text the cashier typed (line names, reasons, cart labels, cashier
 * names), which a keyboard-wedge reader can type into as well: a command whose input holds card data
 * anywhere is refused before it is checked, audited, stored, echoed or pushed, and the refusal does
 * not repeat it.
 */
export function refuseCardDataIn(input: unknown): void {
  if (holdsCardDataDeep(input)) throw cardDataRefusal();
}

/**
 * The POS module's commands, each refusing card data in its input first (refuseCardDataIn): one
 * place, so a command added later cannot forget it (red-team pass 7, L-a: cart lines and labels,
 * drawer reasons and cashier names were stored and echoed).
 */
export function refusingCardData<T extends object>(commands: T): T {
  return Object.fromEntries(
    Object.entries(commands).map(([name, handler]) => [
      name,
      async (input: unknown) => {
        refuseCardDataIn(input);
        return (handler as (input: unknown) => Promise<unknown>)(input);
      },
    ]),
  ) as T;
}

function holdsCardDataDeep(value: unknown): boolean {
  if (typeof value === 'string') return classifyCardData(value) === 'card-data';
  if (Array.isArray(value)) return value.some(holdsCardDataDeep);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, v]) => !NOT_TEXT.has(key) && holdsCardDataDeep(v));
}
