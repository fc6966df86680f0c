import type { HardwareDevice, HardwareEvent, HardwareRoleStatus } from '../../../protocol/api';
import { CARD_DATA_DISCARDED, holdsCardData } from '../../../protocol/card-data';
import type { DiscoveredDevice, RoleStatus, ScanResult, SwipeResult } from '../../../native/hardware';

/** native/ types to contract types: only the fields the UI may see. */

export function deviceView(d: DiscoveredDevice): HardwareDevice {
  return {
    id: d.id,
    bus: d.bus,
    vendorId: d.vendorId,
    productId: d.productId,
    manufacturer: d.manufacturer ?? null,
    product: d.product ?? null,
    serialNumber: d.serialNumber ?? null,
    category: d.category,
    cardFormat: d.cardFormat ?? null,
  };
}

export function roleStatusView(s: RoleStatus): HardwareRoleStatus {
  return {
    role: s.role,
    state: s.state,
    deviceId: s.deviceId ?? null,
    demo: s.demo,
    lastEvent: s.lastEvent
      ? { kind: s.lastEvent.kind, at: s.lastEvent.at, message: s.lastEvent.message ?? null }
      : null,
  };
}

/** The cardholder's name, the expiry and the service code stay behind: the till needs none of them. */
export function eventFromSwipe(r: SwipeResult, at: Date): HardwareEvent {
  return r.ok
    ? {
        type: 'card',
        at: at.toISOString(),
        brand: r.brand,
        last4: r.last4,
        ...(r.token ? { token: r.token } : {}),
      }
    : { type: 'bad-swipe', at: at.toISOString(), reason: r.reason, message: r.message };
}

/** The till hears that card data was read by the scanner and dropped; nothing of it comes along. */
export function discardedScanEvent(at: Date): HardwareEvent {
  return { type: 'scan-discarded', at: at.toISOString(), code: CARD_DATA_DISCARDED };
}

/**
 * The last check before scan text leaves the core for the renderer: the drivers drop card data where
 * they read it, and a scan that still holds some (a driver without that filter) goes no further.
 */
export function eventFromScan(s: ScanResult, at: Date): HardwareEvent {
  if (holdsCardData(s.data)) return discardedScanEvent(at);
  return {
    type: 'scan',
    at: at.toISOString(),
    symbology: s.symbology ?? null,
    text: s.data,
    gtin: s.gtin?.value ?? null,
  };
}
