export {
  HardwareManager,
  ROLES,
  type Role,
  type RoleChoice,
  type RoleStatus,
  type DeviceChange,
  type HardwareManagerOptions,
} from './manager';
export { HardwareError, isHardwareError, type HardwareErrorCode } from './errors';
export type { CardRead, CardBrand, SwipeResult, SwipeFailure, SwipeFailureReason } from './card/types';
export { CARD_TOKEN_KEY_ACCOUNT } from './card/tokenizer';
export type { CardReaderFormat } from './card/readers';
export type { DiscardedScan, ScanResult, ScanSource } from './scanner/types';
export type { Typed, WedgeOptions } from './scanner/wedge';
export type { KeyboardLayoutName } from './keyboard/layouts';
export type { DiscoveredDevice, DeviceCategory } from './discovery/classify';
export { ReceiptSchema, type Receipt, type ReceiptInput } from './printer/receipt';
export { renderReceipt } from './printer/preview';
export { renderSvg, svgTextLines } from './printer/render-svg';
export type { PrintedElement } from './printer/layout';
export { formatAmount } from './printer/receipt';
export { RecentJobs, type CompletedJobs, type PrintOutcome } from './printer/driver';
export type { PrinterStatus } from './printer/status';
export type { DemoHardware } from './sim/demo';
export type { SimulatedEscPosPrinter, SimPrinterState } from './sim/escpos-printer';
export { DEMO_CARDS, type DemoCard } from './sim/demo-cards';
