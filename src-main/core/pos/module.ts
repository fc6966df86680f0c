import { distinctUntilChanged, map, skip } from 'rxjs';
import type { CoreModule } from '../api/module';
import { findSale, receiptHandlers } from '../hardware/handlers';
import { findZReport } from '../hardware/zreport-receipt';
import { addPosCollections } from '../store/schemas/pos';
import { guardedByBarcode, refusingCardData } from './card-data-guard';
import { quickKeysView } from './quick-keys';
import { CashierAccounts } from './cashier-accounts';
import { rosterVersions } from './cashier-roster';
import { CashierSession, cashierNames, Drawer } from './cashiering';
import { parsePolicy, PosService } from './pos-service';
import { addCartCollections } from '../store/schemas/carts';
import { CartStore, cartHandlers } from './cart-store';
import { clockView, openTillClock } from './till-clock';
import { onlineAuthoriser } from './online-authorisation';
import type { Shop } from '../../../protocol/http/catalog';
import { serverCatalogChanges, withShop } from '../sync/back-office-catalog';
import { imageDataUrl } from '../sync/catalog-images';
import { afterRecorded } from './recorded-disk-full';

/**
 * The point of sale (issue 4): catalog, sales, refunds and voids, shifts, manager PINs, receipts.
 * Adds the till's collections (shifts, outbox, audit) to the app database.
 */
export const posModule: CoreModule<'pos'> = {
  feature: 'pos',
  unavailable: 'The sales database',
  async start({
    config,
    db,
    anchor,
    storeError,
    settings,
    enrollmentStore,
    reachability,
    identity,
    serverKey,
    offered,
    serverHold,
    need,
  }) {
    if (!db) throw new Error(storeError ?? 'unknown');
    const collections = { ...db.rx.collections, ...(await addPosCollections(db.rx)) };
    const { enforced } = need('deploy');
    // The keychain's anti-rollback anchor: sales, the sequence and the PIN lockout (#16).
    const tillAnchor = anchor?.forTill();
    const accounts = new CashierAccounts(collections.settings, tillAnchor ? { anchor: tillAnchor } : {});
    const session = new CashierSession(accounts);
    // The back office's roster, as each sync brings a newer one (#19; cashier-roster.ts).
    const rosterWatch = rosterVersions(collections.settings)
      .pipe(distinctUntilChanged(), skip(1))
      .subscribe(() => void session.rosterChanged());
    const till = await openTillClock({
      settings: collections.settings,
      system: config.clock ?? Date.now,
      offsets: enrollmentStore.changes.pipe(map((r) => r.serverClockOffsetMs)),
      initialOffsetMs: enrollmentStore.current.serverClockOffsetMs,
    });
    // The shop's details the back office sets head receipts over the till's own Settings (#19).
    let serverShop: Shop | null = null;
    const shopWatch = serverCatalogChanges(collections.settings).subscribe((c) => (serverShop = c.shop));
    const cart = new CartStore((await addCartCollections(db.rx)).carts, () => till.clock.now());
    // A cart left marked by a sale the app recorded before it stopped was paid: not offered again.
    await cart.settle(async (saleId) => (await collections.sales.findOne(saleId).exec()) !== null);
    const pos = new PosService({
      collections,
      pins: accounts,
      cashier: () => session.attribution(),
      // IT's provisioned policy defaults stand in until the server's policy arrives.
      enrollment: () => enforced(enrollmentStore.current),
      enrollmentChanges: enrollmentStore.changes.pipe(map(enforced)),
      deviceId: async () => (await identity()).deviceId,
      // A local shop's address while its server is not running is not the server (#16 pass 13 L-1):
      // no online authorisation goes there, the sale is judged offline.
      online: () => reachability.current.state === 'online' && serverHold.reason === null,
      fallbackCurrency: () => settings.current.currency,
      // Sales recorded close together travel in one push (#23): the sync engine's push window.
      onRecorded: (urgent) => offered.sync?.recorded(urgent),
      ...(tillAnchor ? { anchor: tillAnchor } : {}),
      now: () => till.clock.now(),
      beforeSaleWrite: (saleId) => cart.becoming(saleId),
      authoriseOnline: onlineAuthoriser({
        identity,
        serverKey: () => serverKey(),
        serverUrl: () => settings.current.serverUrl,
        now: () => till.clock.now(),
      }),
    });
    const drawer = new Drawer(collections, session, accounts, () =>
      parsePolicy(enforced(enrollmentStore.current)),
    );
    return {
      // Card data in any command's text is refused before the command runs (card-data-guard.ts).
      commands: refusingCardData({
        ...cartHandlers(cart),
        'pos.catalog.search': async ({ query, limit }) => ({ items: await pos.searchCatalog(query, limit) }),
        'pos.catalog.image': async ({ sha256 }) => ({
          url: await imageDataUrl(collections.settings, sha256),
        }),
        'pos.catalog.byBarcode': async ({ barcode }) => ({
          item: await guardedByBarcode(barcode, (code) => pos.byBarcode(code)),
        }),
        'pos.sale.capture': async (input) => {
          const sale = await pos.capture(input);
          await afterRecorded(() => cart.clear());
          return sale;
        },
        'pos.sale.refund': (input) => pos.refund(input),
        'pos.sale.refundQuote': (input) => pos.quoteRefund(input),
        'pos.sale.void': (input) => pos.void(input),
        'pos.shift.open': ({ floatMinor }) => pos.openShift(floatMinor),
        'pos.shift.close': ({ countedCashMinor }) => pos.closeShift(countedCashMinor),
        'pos.quickKeys.set': (input) => pos.setQuickKeys(input),
        'pos.managerPin.set': async (input) => {
          const result = await pos.setManagerPin(input);
          session.accountsUpdated();
          return result;
        },
        'pos.cashier.list': async () => ({ cashiers: await accounts.list() }),
        'pos.cashier.set': async ({ authorizedBy, ...account }) => ({
          cashiers: await session.setAccount(account, authorizedBy),
        }),
        'pos.cashier.signIn': async ({ cashierId, pin }) => ({
          cashier: await session.signIn(cashierId, pin),
        }),
        'pos.cashier.lock': () => {
          session.lock();
          return Promise.resolve({});
        },
        'pos.drawer.move': async (input) => {
          await drawer.move(input);
          return {};
        },
        'pos.shift.xReport': () => drawer.xReport(),
        ...receiptHandlers({
          service: need('hardware'),
          sale: (saleId) => findSale(collections.sales, saleId),
          zReport: (shiftId) => findZReport(collections.shifts, shiftId),
          xReport: () => drawer.xReport(),
          receiptContext: () => withShop(settings.current, serverShop),
          cashierNames: () => cashierNames(accounts),
        }),
      }),
      subscriptions: {
        'pos.cart.current': () => cart.current(),
        'pos.cart.parked': () => cart.parked(),
        'pos.pending': () => pos.pending(),
        'pos.quickKeys': () => quickKeysView(collections.settings, collections.catalog),
        'pos.shift.current': () => pos.currentShift(),
        'pos.cashier.current': () => session.changes(),
        'pos.sales.recent': ({ limit }) => pos.recentSales(limit),
        'pos.clock': () => clockView(till.clock),
      },
      offers: { pos, salesCollections: collections, tillClock: till.clock },
      // Sales being written finish first: a sale acknowledged to the cashier is on disk.
      close: () =>
        Promise.all([pos.idle(), cart.idle()]).then(() => {
          shopWatch.unsubscribe();
          rosterWatch.unsubscribe();
          return till.stop();
        }),
    };
  },
};
