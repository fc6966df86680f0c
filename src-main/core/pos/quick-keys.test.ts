import { randomToken } from 'rxdb';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuickKeysSetInput } from '../../../protocol/api';
import { openAppDatabase, type AppDatabase } from '../store/index';
import { realKeychain, tempDir, type RealKeychain } from '../store/test-support';
import { CashierAccounts } from './cashier-accounts';
import { QUICK_KEYS_KEY, quickKeysView, saveQuickKeys } from './quick-keys';

/** Quick keys (#18) on the real encrypted store and the real manager PINs. */
let keychain: RealKeychain;
const dir = tempDir('outpost-quick-keys-');
let app: AppDatabase;
let pins: CashierAccounts;

const item = (sku: string, name: string, priceMinor: number, barcode = '') => ({
  sku,
  barcode,
  name,
  priceMinor,
  currency: 'XOF',
  taxRate: 1800,
  updatedAt: 1,
});

beforeAll(async () => {
  keychain = await realKeychain();
  app = await openAppDatabase({
    dataDir: dir.path,
    keyStore: keychain.keyStore,
    name: `qk${randomToken(6)}`,
  });
  pins = new CashierAccounts(app.rx.settings, { cost: { N: 1024, r: 8, p: 1 } });
  await pins.set('m1', '1357', undefined);
  await app.rx.catalog.bulkInsert([
    item('BREAD', 'Pain', 250),
    item('MANGO', 'Mangue', 300),
    item('RICE', 'Riz 1kg', 1000, '6001234567890'),
  ]);
}, 60_000);

afterAll(async () => {
  await app?.rx.remove();
  await keychain?.cleanup();
  dir.remove();
});

const layout = {
  categories: [
    { name: 'Boulangerie', skus: ['BREAD'] },
    { name: 'Fruits', skus: ['MANGO', 'GONE', 'BREAD'] },
  ],
};

describe('quick keys', () => {
  it('a wrong manager PIN changes nothing; the right one stores the layout in the store', async () => {
    await expect(
      saveQuickKeys(app.rx.settings, pins, { layout, manager: { managerId: 'm1', pin: '0000' } }),
    ).rejects.toMatchObject({ code: 'MANAGER_PIN_INVALID' });
    await expect(
      saveQuickKeys(app.rx.settings, pins, { layout, manager: { managerId: 'nobody', pin: '1357' } }),
    ).rejects.toMatchObject({ code: 'MANAGER_PIN_INVALID' });
    expect(await app.rx.settings.findOne(QUICK_KEYS_KEY).exec()).toBeNull();

    await saveQuickKeys(app.rx.settings, pins, { layout, manager: { managerId: 'm1', pin: '1357' } });
    const stored = await app.rx.settings.findOne(QUICK_KEYS_KEY).exec();
    expect(stored && JSON.parse(stored.value)).toEqual(layout);
  });

  it('shows each category’s catalog items in the manager’s order, leaves out unknown skus and follows prices', async () => {
    const view = quickKeysView(app.rx.settings, app.rx.catalog);
    const first = await firstValueFrom(view);
    expect(first.categories.map((c) => [c.name, c.items.map((i) => i.name)])).toEqual([
      ['Boulangerie', ['Pain']],
      ['Fruits', ['Mangue', 'Pain']],
    ]);
    expect(first.categories[0]!.items[0]).toEqual({
      sku: 'BREAD',
      barcode: null,
      name: 'Pain',
      priceMinor: 250,
      currency: 'XOF',
      taxRateBp: 1800,
      image: null,
    });

    const repriced = firstValueFrom(view.pipe(filter((v) => v.categories[0]!.items[0]!.priceMinor === 275)));
    await app.rx.catalog.upsert(item('BREAD', 'Pain', 275));
    expect((await repriced).categories[1]!.items.map((i) => i.priceMinor)).toEqual([300, 275]);
  });

  it('refuses a layout with a product twice in a category or two categories of one name', () => {
    const manager = { managerId: 'm1', pin: '1357' };
    expect(
      QuickKeysSetInput.safeParse({ manager, layout: { categories: [{ name: 'A', skus: ['X', 'X'] }] } })
        .success,
    ).toBe(false);
    expect(
      QuickKeysSetInput.safeParse({
        manager,
        layout: {
          categories: [
            { name: 'A', skus: [] },
            { name: 'A', skus: ['X'] },
          ],
        },
      }).success,
    ).toBe(false);
  });
});
