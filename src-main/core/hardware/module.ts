import type { CoreModule } from '../api/module';
import { hardwareHandlers, startHardware } from './handlers';

/**
 * POS hardware (issue 6): card reader, scanner, receipt printer; docs/hardware.md. Its choices (the
 * demo switch above all) live in the encrypted store, never a plain file (#16). Receipts are the
 * POS feature's calls, printed through the service this module offers.
 */
export const hardwareModule: CoreModule<'hardware'> = {
  feature: 'hardware',
  async start({ config, db, keyStore, offered }) {
    // A scanned number that may be a card's sells only if the catalog has it (docs/hardware.md).
    const service = await startHardware(
      config.dataDir,
      db?.rx.collections.settings ?? null,
      keyStore,
      config.hardware,
      async (code) => (offered.pos ? (await offered.pos.byBarcode(code)) !== null : false),
    );
    return { ...hardwareHandlers({ service }), offers: { hardware: service }, close: () => service.close() };
  },
};
