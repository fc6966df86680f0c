import type { RxCollection } from 'rxdb';
import { ApiError, type Locale, type SaleSummary } from '../../../protocol/api';
import type { KeyStore } from '../../../native/keystore';
import type { CommandHandlers, FeatureHandlers } from '../api/handlers';
import { summarize } from '../pos/views';
import type { SaleDoc } from '../store/schemas/index';
import type { SettingDoc } from '../store/schemas/settings';
import { PersistentCompletedJobs } from './completed-jobs';
import { HardwareSettingsStore } from './hardware-settings-store';
import { HardwareService, type HardwareServiceOptions } from './hardware-service';
import { saleReceipt } from './sale-receipt';

/**
 * Starts the hardware service on the choices saved in the encrypted store (`settings`, null when
 * the store could not open); the data directory holds the print-job log and any pre-#16 file.
 */
export async function startHardware(
  dataDir: string,
  settings: RxCollection<SettingDoc> | null,
  keyStore: KeyStore,
  options?: HardwareServiceOptions,
  knownBarcode?: (code: string) => Promise<boolean>,
): Promise<HardwareService> {
  return HardwareService.start({
    store: await HardwareSettingsStore.open(dataDir, settings),
    jobs: await PersistentCompletedJobs.open(dataDir),
    keyStore,
    ...(options ? { options } : {}),
    ...(knownBarcode ? { knownBarcode } : {}),
  });
}

export async function findSale(sales: RxCollection<SaleDoc>, saleId: string): Promise<SaleSummary | null> {
  const doc = await sales.findOne(saleId).exec();
  const json = doc?.toJSON() as SaleDoc | undefined;
  return json?.record ? summarize(json) : null;
}

/** Hardware's calls: choosing and testing devices, the demo devices, live status and events. */
export function hardwareHandlers({ service }: { service: HardwareService }): FeatureHandlers<'hardware'> {
  return {
    commands: {
      'hardware.list': () => service.state(),
      'hardware.choose': ({ role, choice }) => service.choose(role, choice),
      'hardware.test': ({ role }) => service.test(role),
      'hardware.demo.set': ({ on }) => service.setDemo(on),
      'hardware.demo.swipe': ({ card }) => service.demoSwipe(card),
      'hardware.demo.scan': ({ text, symbology }) => service.demoScan(text, symbology),
      'hardware.demo.scanCard': ({ card }) => service.demoScanCard(card),
      'hardware.demo.lastPrint': async () => service.demoLastPrint(),
    },
    subscriptions: {
      'hardware.status': () => service.statuses,
      'hardware.events': () => service.events,
    },
  };
}

export interface ReceiptHandlerDeps {
  readonly service: HardwareService;
  /** The recorded sale, or null. */
  readonly sale: (saleId: string) => Promise<SaleSummary | null>;
  /** What heads the receipt and which language it is printed in (Settings). */
  readonly receiptContext: () => { terminalName: string; locale: Locale };
}

/** A recorded sale's receipt, printed or drawn on screen (the POS feature's calls). */
export function receiptHandlers(
  deps: ReceiptHandlerDeps,
): Pick<CommandHandlers, 'pos.receipt.print' | 'pos.receipt.preview'> {
  const { service } = deps;
  const receiptOf = async (saleId: string) => {
    const sale = await deps.sale(saleId);
    if (!sale) throw new ApiError('SALE_NOT_FOUND', 'That sale is not on this terminal.');
    return saleReceipt(sale, deps.receiptContext());
  };
  return {
    // One job per sale and copy: a retry of a copy that printed answers `already-printed`.
    'pos.receipt.print': async ({ saleId, copy }) =>
      service.print(`sale:${saleId}:${copy}`, await receiptOf(saleId)),
    'pos.receipt.preview': async ({ saleId }) => service.preview(await receiptOf(saleId)),
  };
}
