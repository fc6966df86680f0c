import type { RxCollection } from 'rxdb';
import { ApiError, type SaleSummary, type XReport, type ZReport } from '../../../protocol/api';
import type { KeyStore } from '../../../native/keystore';
import type { CommandHandlers, FeatureHandlers } from '../api/handlers';
import { summarize } from '../pos/views';
import type { SaleDoc } from '../store/schemas/index';
import type { SettingDoc } from '@outpost/terminal-sdk';
import { PersistentCompletedJobs } from './completed-jobs';
import { HardwareSettingsStore } from './hardware-settings-store';
import { HardwareService, type HardwareServiceOptions } from './hardware-service';
import { saleReceipt, type CashierNames, type ReceiptContext } from './sale-receipt';
import { xReportReceipt, zReportReceipt } from './zreport-receipt';

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
  /** A closed shift's Z-report, or null. */
  readonly zReport: (shiftId: string) => Promise<ZReport | null>;
  /** The open shift's X-report now (NO_OPEN_SHIFT when none is open). */
  readonly xReport: () => Promise<XReport>;
  /** What heads the receipt and which language it is printed in (Settings). */
  readonly receiptContext: () => ReceiptContext;
  /** Cashier account names by id, to name the cashier and approving manager on a receipt. */
  readonly cashierNames?: () => Promise<CashierNames>;
}

/** The first copy number from `from` whose job has not printed: a reprint prints exactly one more. */
function nextCopy(service: HardwareService, job: (copy: number) => string, from: number): number {
  let copy = from;
  while (copy < 99 && service.hasPrinted(job(copy))) copy++;
  return copy;
}

/** A recorded sale's receipt or a closed shift's Z-report, printed or drawn (the POS feature's calls). */
export function receiptHandlers(
  deps: ReceiptHandlerDeps,
): Pick<
  CommandHandlers,
  | 'pos.receipt.print'
  | 'pos.receipt.preview'
  | 'pos.receipt.reprint'
  | 'pos.zreport.print'
  | 'pos.xreport.print'
> {
  const { service } = deps;
  const recorded = async (saleId: string) => {
    const sale = await deps.sale(saleId);
    if (!sale) throw new ApiError('SALE_NOT_FOUND', 'That sale is not on this terminal.');
    return sale;
  };
  const receipt = async (saleId: string, copy = 1) =>
    saleReceipt(
      await recorded(saleId),
      deps.receiptContext(),
      copy,
      (await deps.cashierNames?.()) ?? new Map(),
    );
  // One job per sale and copy: a retry of a copy that printed answers `already-printed`.
  const printSale = async (saleId: string, copy: number) =>
    service.print(`sale:${saleId}:${copy}`, await receipt(saleId, copy));
  return {
    'pos.receipt.print': ({ saleId, copy }) => printSale(saleId, copy),
    'pos.receipt.reprint': ({ saleId }) =>
      printSale(
        saleId,
        nextCopy(service, (copy) => `sale:${saleId}:${copy}`, 2),
      ),
    'pos.receipt.preview': async ({ saleId }) => service.preview(await receipt(saleId)),
    'pos.zreport.print': async ({ shiftId, copy }) => {
      const report = await deps.zReport(shiftId);
      if (!report) throw new ApiError('SHIFT_NOT_CLOSED', 'That shift is not closed on this terminal.');
      return service.print(`z:${shiftId}:${copy}`, zReportReceipt(report, deps.receiptContext(), copy));
    },
    // Each reading is its own job (shift and time read): pressing again later prints the figures then.
    'pos.xreport.print': async () => {
      const report = await deps.xReport();
      return service.print(`x:${report.shiftId}:${report.at}`, xReportReceipt(report, deps.receiptContext()));
    },
  };
}
