import { randomUUID } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { map, type Observable } from 'rxjs';
import type { z } from 'zod';
import { ApiError, CartLines, type CurrentCart, type ParkedSale } from '../../../protocol/api';
import { MAX_PARKED, type CartDoc } from '../store/schemas/carts';
import { SerialQueue } from './serial';

type Lines = z.infer<typeof CartLines>;

const CURRENT = 'current';

/** A stored cart's lines, checked again: a damaged document reads as an empty cart, never a crash. */
function linesOf(doc: Pick<CartDoc, 'lines'> | null | undefined): Lines {
  if (!doc) return [];
  try {
    const parsed = CartLines.safeParse(JSON.parse(doc.lines));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The sale in progress and the parked sales (issue #18 item 2), in the encrypted store: written on
 * every change of the cart on screen, so leaving the till, a restart or a crash loses nothing. The
 * writes run one at a time in call order (a later save never lands before an earlier one).
 */
export class CartStore {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly carts: RxCollection<CartDoc>,
    private readonly now: () => number,
  ) {}

  save(lines: Lines): Promise<void> {
    return this.queue.run(async () => {
      await this.write(lines);
    });
  }

  /** After a sale is recorded: the cart it came from is done. */
  clear(): Promise<void> {
    return this.save([]);
  }

  /**
   * Just before sale `saleId` is written: the cart on screen is being paid as that sale. A stop
   * between the sale's write and `clear` leaves this mark, which `settle` reads at the next start.
   */
  becoming(saleId: string): Promise<void> {
    return this.queue.run(async () => {
      const doc = await this.carts.findOne(CURRENT).exec();
      if (doc && linesOf(doc).length > 0) await doc.incrementalPatch({ saleId });
    });
  }

  /**
   * At start: a cart marked as a sale that was recorded was paid (the app stopped before clearing
   * it), so it is cleared; marked as a sale that was never written, it is still to be paid and stays.
   */
  settle(recorded: (saleId: string) => Promise<boolean>): Promise<void> {
    return this.queue.run(async () => {
      const saleId = (await this.carts.findOne(CURRENT).exec())?.saleId;
      if (saleId !== undefined && (await recorded(saleId))) await this.write([]);
    });
  }

  park(label: string | undefined): Promise<{ parkedId: string }> {
    return this.queue.run(async () => {
      const lines = linesOf(await this.carts.findOne(CURRENT).exec());
      if (lines.length === 0) throw new ApiError('INVALID_INPUT', 'There is nothing in the cart to park.');
      const parked = await this.carts.find({ selector: { state: 'parked' } }).exec();
      if (parked.length >= MAX_PARKED)
        throw new ApiError(
          'INVALID_INPUT',
          `At most ${MAX_PARKED} sales can be parked: recall or drop one first.`,
        );
      const parkedId = randomUUID();
      await this.carts.insert({
        id: parkedId,
        state: 'parked',
        label: label ?? '',
        lines: JSON.stringify(lines),
        updatedAt: this.now(),
      });
      await this.write([]);
      return { parkedId };
    });
  }

  /** The parked sale becomes the current cart; a cart in progress takes its place among the parked. */
  recall(parkedId: string): Promise<CurrentCart> {
    return this.queue.run(async () => {
      const doc = await this.carts.findOne(parkedId).exec();
      if (!doc || doc.state !== 'parked')
        throw new ApiError('INVALID_INPUT', 'That parked sale is no longer on this till.');
      const recalled = linesOf(doc);
      const inProgress = linesOf(await this.carts.findOne(CURRENT).exec());
      if (inProgress.length > 0)
        await this.carts.insert({
          id: randomUUID(),
          state: 'parked',
          label: '',
          lines: JSON.stringify(inProgress),
          updatedAt: this.now(),
        });
      const at = await this.write(recalled);
      await doc.remove();
      return { lines: recalled, updatedAt: iso(at) };
    });
  }

  discard(parkedId: string): Promise<void> {
    return this.queue.run(async () => {
      const doc = await this.carts.findOne(parkedId).exec();
      if (doc?.state === 'parked') await doc.remove();
    });
  }

  current(): Observable<CurrentCart> {
    return this.carts
      .findOne(CURRENT)
      .$.pipe(map((doc) => ({ lines: linesOf(doc), updatedAt: doc ? iso(doc.updatedAt) : null })));
  }

  parked(): Observable<{ parked: ParkedSale[] }> {
    return this.carts.find({ selector: { state: 'parked' }, sort: [{ updatedAt: 'asc' }] }).$.pipe(
      map((docs) => ({
        parked: docs.map((d) => ({
          parkedId: d.id,
          label: d.label,
          parkedAt: iso(d.updatedAt),
          lines: linesOf(d),
        })),
      })),
    );
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async write(lines: Lines): Promise<number> {
    const at = this.now();
    await this.carts.upsert({
      id: CURRENT,
      state: 'current',
      label: '',
      lines: JSON.stringify(lines),
      updatedAt: at,
    });
    return at;
  }
}

/** The cart's commands of the contract, over one store. */
export function cartHandlers(cart: CartStore) {
  return {
    'pos.cart.save': async ({ lines }: { lines: Lines }) => {
      await cart.save(lines);
      return {};
    },
    'pos.cart.park': ({ label }: { label?: string }) => cart.park(label),
    'pos.cart.recall': ({ parkedId }: { parkedId: string }) => cart.recall(parkedId),
    'pos.cart.discard': async ({ parkedId }: { parkedId: string }) => {
      await cart.discard(parkedId);
      return {};
    },
  };
}
