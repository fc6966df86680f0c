import type { CoreModule } from '../api/module';
import { LocalShop } from './local-shop';

/**
 * The local shop (issue #19): the first screen's "Run a local shop on this computer". Started last,
 * so that a shop created before is started again once the till it serves is ready; the server's own
 * start runs in the background and the status says when it answers.
 */
export const localShopModule: CoreModule<'localShop'> = {
  feature: 'localShop',
  async start({ config, keyStore, db, settings, device, enrollmentStore, serverHold, offered }) {
    const shop = new LocalShop({
      launcher: config.localShop,
      dataDir: config.dataDir,
      keyStore,
      records: db?.rx.collections.settings ?? null,
      settings,
      device,
      enrollment: enrollmentStore,
      hold: serverHold,
      syncNow: async () => offered.sync?.syncNow(),
    });
    void shop.resume();
    return {
      commands: { 'localShop.create': (input) => shop.create(input) },
      subscriptions: { 'localShop.status': () => shop.changes },
      close: () => shop.close(),
    };
  },
};
