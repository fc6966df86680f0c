import type { CoreModule } from '../api/module';
import { createReader } from './index';

/** The library (issue 5): licences, encrypted copies, secure clock, content; see docs/reader.md. */
export const libraryModule: CoreModule<'library'> = {
  feature: 'library',
  unavailable: 'The library',
  async start({
    config,
    db,
    anchor,
    storeError,
    identity,
    enrolledServerUrl,
    serverKey,
    content,
    online,
    serverHold,
  }) {
    if (!db) throw new Error(storeError ?? 'unknown');
    const reader = await createReader({
      dataDir: config.dataDir,
      collections: db.rx.collections,
      identity,
      serverUrl: enrolledServerUrl,
      serverHeld: () => serverHold.refusal(),
      serverKey,
      content,
      ...(config.clock ? { clock: config.clock } : {}),
      ...(anchor ? { anchor: anchor.forReader() } : {}),
    });
    // Renewal and revocation happen at the next contact: each return of the network is one.
    const onlineSub = online.subscribe(() => void reader.library.reconnected());
    return {
      commands: reader.commands,
      subscriptions: { 'library.items': () => reader.library.items() },
      offers: { reader },
      async close() {
        onlineSub.unsubscribe();
        await reader.close();
      },
    };
  },
};
