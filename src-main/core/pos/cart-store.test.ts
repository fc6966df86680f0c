import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppDatabase } from '../store';
import { addCartCollections } from '../store/schemas/carts';
import { realKeychain, tempDir } from '../store/test-support';
import { CartStore } from './cart-store';

/** A real keychain and one data directory for the file, removed after it. */
const env = {} as { keychain: Awaited<ReturnType<typeof realKeychain>>; dir: ReturnType<typeof tempDir> };
beforeAll(async () => Object.assign(env, { keychain: await realKeychain(), dir: tempDir() }));
afterAll(async () => {
  env.dir.remove();
  await env.keychain.cleanup();
});

const LINES = [
  { sku: 'rice-1kg', name: 'Riz 1kg', qty: 2, unitPriceMinor: 1000, taxRateBp: 1800, discountMinor: 0 },
];

/** The till's encrypted store, opened as at an app start, with its cart store settled. */
async function start(name: string, recorded: Set<string>) {
  const app = await openAppDatabase({ dataDir: env.dir.path, keyStore: env.keychain.keyStore, name });
  const cart = new CartStore((await addCartCollections(app.rx)).carts, () => Date.now());
  await cart.settle((saleId) => Promise.resolve(recorded.has(saleId)));
  const lines = async () => (await firstValueFrom(cart.current())).lines;
  return { app, cart, lines };
}

describe('CartStore on the encrypted store: a stop between a sale and clearing its cart (#18)', () => {
  it('a cart whose sale was recorded before the app stopped is not offered again', async () => {
    const recorded = new Set<string>();
    const first = await start('cartpaid', recorded);
    await first.cart.save(LINES);
    // What capture does: mark, write the sale; the app stops before `clear`.
    await first.cart.becoming('sale-1');
    recorded.add('sale-1');
    await first.app.close();

    const again = await start('cartpaid', recorded);
    expect(await again.lines()).toEqual([]);
    await again.app.rx.remove();
  });

  it('a cart marked for a sale that was never written is still there to be paid', async () => {
    const first = await start('cartunpaid', new Set());
    await first.cart.save(LINES);
    await first.cart.becoming('sale-lost');
    await first.app.close();

    const again = await start('cartunpaid', new Set());
    expect(await again.lines()).toEqual(LINES);
    // A later change of the cart drops the mark: a sale of that id appearing later clears nothing.
    await again.cart.save([...LINES, { ...LINES[0]!, sku: 'oil-1l' }]);
    await again.app.close();
    const third = await start('cartunpaid', new Set(['sale-lost']));
    expect(await third.lines()).toHaveLength(2);
    await third.app.rx.remove();
  });
});
