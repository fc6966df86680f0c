import { z } from 'zod';
import { CARD_DATA_DISCARDED, holdsCardData } from '../card-data';
import { Empty, Text, type FeatureContract } from './feature';

/**
 * POS hardware's part of the API contract (issue #6): card reader, scanner and receipt printer,
 * chosen and tested in Settings, used by the till. No type here can carry a full card number: a
 * swipe reaches the UI as brand, last four digits and a keyed token, and demo swipes name a
 * test card instead of sending its tracks.
 */

const At = z.iso.datetime();
/** Twelve or more digits in a row is what a card number looks like: no field may hold one. */
const noCardNumber = (s: string) => !/\d{12,}/.test(s);

export const HardwareRole = z.enum(['cardReader', 'scanner', 'printer']);
export type HardwareRole = z.infer<typeof HardwareRole>;

export const HardwareDevice = z.object({
  /** `vid:pid:sn:<serial>`, or `vid:pid:path:<path>` for a device without a serial number. */
  id: z.string(),
  bus: z.enum(['hid', 'usb']),
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  manufacturer: z.string().nullable(),
  product: z.string().nullable(),
  serialNumber: z.string().nullable(),
  category: z.enum(['card-reader', 'scanner-hid-pos', 'keyboard-wedge', 'printer', 'unknown']),
  cardFormat: z.enum(['keyboard', 'magtek', 'idtech', 'hid-msr']).nullable(),
});
export type HardwareDevice = z.infer<typeof HardwareDevice>;

/**
 * Text a keyboard-wedge scanner is configured to type before or after each code, stripped from
 * scans. Printable only: the key that ends a scan is `terminator`, never part of a suffix.
 */
const WedgeAffix = z
  .string()
  .max(8)
  .regex(/^[^\p{C}]*$/u, 'no control characters');

export const WedgeConfig = z.strictObject({
  prefix: WedgeAffix,
  suffix: WedgeAffix,
  /**
   * The key the scanner sends after each code. With `tab`, Enter still ends a scan. `ctrl-j` and
   * `ctrl-m` are scanners whose suffix is a control character typed as Ctrl+J (LF) or Ctrl+M (CR).
   */
  terminator: z.enum(['enter', 'tab', 'ctrl-j', 'ctrl-m']),
  /** Shortest code counted as a scan (prefix and suffix not counted); absent means 4. */
  minLength: z.number().int().min(1).max(64).optional(),
});
export type WedgeConfig = z.infer<typeof WedgeConfig>;

export const HardwareChoice = z.strictObject({
  deviceId: Text(300),
  cardFormat: z.enum(['keyboard', 'magtek', 'idtech', 'hid-msr']).optional(),
  layout: z.enum(['us', 'fr-azerty']).optional(),
  scannerMode: z.enum(['hid-pos', 'keyboard-wedge']).optional(),
  /** Scanner role, keyboard-wedge mode only; absent means no prefix or suffix, Enter ends a scan. */
  wedge: WedgeConfig.optional(),
});
export type HardwareChoice = z.infer<typeof HardwareChoice>;

export const HardwareRoleStatus = z.object({
  role: HardwareRole,
  state: z.enum(['connected', 'disconnected', 'error']),
  deviceId: z.string().nullable(),
  demo: z.boolean(),
  lastEvent: z.object({ kind: z.string(), at: At, message: z.string().nullable() }).nullable(),
});
export type HardwareRoleStatus = z.infer<typeof HardwareRoleStatus>;

export const HardwareStatus = z.object({
  demo: z.boolean(),
  roles: z.array(HardwareRoleStatus),
  /** Goes up each time a device is plugged in or out: the cue to list devices again. */
  devicesVersion: z.number().int().min(0),
});
export type HardwareStatus = z.infer<typeof HardwareStatus>;

export const HardwareState = HardwareStatus.extend({
  devices: z.array(HardwareDevice),
  choices: z.object({
    cardReader: HardwareChoice.nullable(),
    scanner: HardwareChoice.nullable(),
    printer: HardwareChoice.nullable(),
  }),
});
export type HardwareState = z.infer<typeof HardwareState>;

/** What a swipe or a scan gives the till. */
export const HardwareEvent = z.discriminatedUnion('type', [
  /**
   * A good swipe gives the till the brand and the last four digits (issue #18): nothing else of
   * the card, not even its expiry, and the object is strict so nothing can ride along.
   */
  z.strictObject({
    type: z.literal('card'),
    at: At,
    brand: z.string(),
    last4: z.string().regex(/^\d{4}$/),
    /**
     * HMAC of the card number under this terminal's key: same card, same token; never the number.
     * Absent from an encrypting reader (MagneSafe, ID TECH with encryption on): it sends no number.
     */
    token: z.string().max(256).refine(noCardNumber, 'looks like a card number').optional(),
  }),
  z.object({
    type: z.literal('bad-swipe'),
    at: At,
    /** NO_END_SENTINEL, LUHN_FAILED, CARD_EXPIRED, … (docs/hardware.md) */
    reason: z.string(),
    message: z.string().refine(noCardNumber),
  }),
  z.object({
    type: z.literal('scan'),
    at: At,
    symbology: z.string().nullable(),
    text: z.string().max(8192),
    /** The GTIN when the text is one with a correct check digit: the product lookup key. */
    gtin: z.string().nullable(),
  }),
  /**
   * The scanner read card data (a magstripe reader set up as a keyboard scanner): it was dropped
   * where it was read; the till says to use the card reader. Nothing of what was read comes along.
   */
  z.object({ type: z.literal('scan-discarded'), at: At, code: z.literal(CARD_DATA_DISCARDED) }),
]);
export type HardwareEvent = z.infer<typeof HardwareEvent>;

export const DemoCardName = z.enum(['visa', 'mastercard', 'amex', 'bad-swipe', 'expired']);
export type DemoCardName = z.infer<typeof DemoCardName>;

export const PrintOutcome = z.object({
  jobId: z.string(),
  status: z.enum(['printed', 'already-printed']),
});
export type PrintOutcome = z.infer<typeof PrintOutcome>;

/** A receipt drawn as the paper will show it; `lines` are its text lines, in order. */
export const ReceiptPicture = z.object({ svg: z.string(), lines: z.array(z.string()) });
export type ReceiptPicture = z.infer<typeof ReceiptPicture>;

export const hardwareApi = {
  commands: {
    /** Devices plugged in now, the saved choices and each role's status. */
    'hardware.list': { input: Empty, output: HardwareState },
    /** Saves (or clears, with null) the device for a role; it survives restarts and re-plugging. */
    'hardware.choose': {
      input: z
        .strictObject({ role: HardwareRole, choice: HardwareChoice.nullable() })
        .refine((i) => i.role === 'scanner' || !i.choice?.wedge, {
          message: 'only a scanner has a keyboard-wedge configuration',
          path: ['choice', 'wedge'],
        }),
      output: HardwareState,
    },
    /**
     * Printer: prints a test page. Card reader and scanner: checks one is connected and answers
     * `waiting`; the swipe or scan then arrives on `hardware.events`.
     */
    'hardware.test': {
      input: z.strictObject({ role: HardwareRole }),
      output: z.object({ role: HardwareRole, outcome: z.enum(['printed', 'waiting']) }),
    },
    /** Demo hardware: the simulators stand in for every role, as if plugged in. Saved. */
    'hardware.demo.set': { input: z.strictObject({ on: z.boolean() }), output: HardwareState },
    /** Demo only (DEMO_HARDWARE_OFF otherwise): swipes a named test card through the simulated reader. */
    'hardware.demo.swipe': { input: z.strictObject({ card: DemoCardName }), output: HardwareEvent },
    /**
     * Demo only: the simulated HID POS scanner reads this text (a barcode or a QR payload). Card data
     * is refused here (INVALID_INPUT); `hardware.demo.scanCard` sends a test card's tracks instead.
     */
    'hardware.demo.scan': {
      input: z.strictObject({
        text: Text(2000)
          .refine((s) => noCardNumber(s) && !holdsCardData(s), 'looks like card data')
          .or(z.string().regex(/^\d{8,14}$/)),
        symbology: z.enum(['ean-13', 'ean-8', 'upc-a', 'code-128', 'qr']).optional(),
      }),
      output: HardwareEvent,
    },
    /**
     * Demo only: a magstripe reader set up as a keyboard scanner, as the simulated HID POS scanner
     * reading a named test card's tracks. The scanner driver drops them: `scan-discarded`.
     */
    'hardware.demo.scanCard': { input: z.strictObject({ card: DemoCardName }), output: HardwareEvent },
    /** Demo only: what the simulated printer received for its last job, redrawn from the ESC/POS bytes. */
    'hardware.demo.lastPrint': {
      input: Empty,
      output: z.object({
        jobId: z.string().nullable(),
        picture: ReceiptPicture.nullable(),
        /** Jobs the demo printer cut since demo hardware came on, and every byte it was sent (#18). */
        jobs: z.number().int().min(0),
        bytes: z.number().int().min(0),
      }),
    },
  },
  subscriptions: {
    /** Every role's status at once, then on each change. */
    'hardware.status': { input: Empty, item: HardwareStatus },
    /** Swipes and scans as they happen (nothing is replayed). */
    'hardware.events': { input: Empty, item: HardwareEvent },
  },
} as const satisfies FeatureContract;
