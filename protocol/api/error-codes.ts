import type { TrustErrorCode } from '../http/codes';
import type { HttpErrorCode } from '../http/error';
import type { MaterialErrorCode } from '../http/materials';
import type { PaymentErrorCode } from '../http/payments';
import type { ChunkErrorCode } from '../chunks/errors';
import type { QrErrorCode } from '../qr/errors';

/** The transports' and the core's own codes (AppErrorCode, errors.ts). */
export const APP_ERROR_CODES = [
  'UNKNOWN_METHOD',
  'INVALID_INPUT',
  'INVALID_MESSAGE',
  /** A call larger than the wire's limit (MAX_MESSAGE_BYTES): refused before it is sent. */
  'MESSAGE_TOO_LARGE',
  'UNAUTHORIZED',
  'CONFLICT',
  'UNAVAILABLE',
  'INTERNAL',
  'KEYCHAIN_UNAVAILABLE',
  'SERVER_ERROR',
  /** A scan or typed text held card data: dropped, never echoed (protocol/card-data.ts). */
  'CARD_DATA_DISCARDED',
  /** A call's input held a control character (NUL, newline, …): refused before it reaches the store. */
  'CONTROL_CHARACTERS',
] as const;

/**
 * Every error code the app can be told: the ones the core throws or records itself and the ones
 * the server answers the app with (passed through unchanged). `ApiError` takes only these (or a
 * code marked `unlisted`, a newer server's), and the UI's English and French texts are a
 * `Record<ErrorCode, string>`: a code added here without texts fails `npm run typecheck`.
 * The server's own lists (protocol/http) are checked below to be included.
 */
export const ERROR_CODES = [
  ...APP_ERROR_CODES,
  // Settings, device identity and the local store
  'SERVER_URL_NOT_HTTPS',
  'STORE_UNAVAILABLE',
  /** The data directory was put back from an older copy (trust/rollback-anchor.ts): no sales until a check-in. */
  'STORE_ROLLED_BACK',
  /**
   * The store's one-time layout conversion at start has no room on the disk (store/errors.ts): the
   * data is whole on its old layout; details `{ neededMb, freeMb, directory }` say what to free.
   */
  'STORE_DISK_FULL',
  /** A write (a sale, a cart…) failed because the disk is full: it was not saved (api/dispatch.ts). */
  'STORE_WRITE_DISK_FULL',
  /**
   * A sale, refund or void was recorded, then a write that follows it (its anchor, its audit entry,
   * the cart's clearing) found the disk full: it must not be taken again (pos/recorded-disk-full.ts).
   */
  'SALE_RECORDED_DISK_FULL',
  'NOT_ENROLLED',
  // The local shop (src-main/core/local-shop): this app cannot run one, has one, or it failed
  'LOCAL_SHOP_UNAVAILABLE',
  'LOCAL_SHOP_EXISTS',
  'LOCAL_SHOP_FAILED',
  'POLICY_STATEMENT_INVALID',
  'REVOCATION_UNVERIFIED',
  /** A push refused without the server's signature (sync/push-refusal.ts): retried, never final. */
  'REFUSAL_UNVERIFIED',
  /** The local shop's server is not running (yet): the till talks to nothing at its address. */
  'LOCAL_SHOP_NOT_RUNNING',
  // Sales at the till (src-main/core/pos)
  'NO_OPEN_SHIFT',
  'SHIFT_ALREADY_OPEN',
  'APPROVAL_REQUIRED',
  'LIMIT_AMOUNT',
  'LIMIT_DAILY_COUNT',
  'LIMIT_UNSYNCED_TOTAL',
  'LIMIT_OLDEST_UNSYNCED',
  'MANAGER_PIN_INVALID',
  'MANAGER_PIN_REQUIRED',
  'OVERRIDE_LOCKED',
  'DISCOUNT_TOO_LARGE',
  'AMOUNT_TOO_LARGE',
  'TENDER_SHORT',
  'TENDER_OVERPAID',
  'TENDER_INVALID',
  /** Cash beyond both 10 × what is due and the policy's maximum (protocol/cash-limits.ts). */
  'CASH_ABSURD',
  /** Change above the policy's approval threshold: the cashier confirms the amount first. */
  'CASH_CONFIRM',
  /** Cashier accounts exist and none is signed in: nothing is recorded (issue #18). */
  'CASHIER_REQUIRED',
  'CASHIER_PIN_INVALID',
  /** Only a cashier with the manager role may do this. */
  'MANAGER_ROLE_REQUIRED',
  /** The back office disabled this cashier; the till knows from its roster (issue #19). */
  'CASHIER_DISABLED',
  /** The till's cashiers come from the back office's roster: they are changed there (issue #19). */
  'CASHIERS_MANAGED_CENTRALLY',
  /** A pulled cashier roster is unsigned, another shop's, or not newer than the one held (issue #19). */
  'ROSTER_INVALID',
  'SALE_NOT_FOUND',
  'SALE_VOIDED',
  'SALE_INVALID',
  'SALE_LEGACY',
  'REFUND_INVALID',
  'REFUND_TOO_LARGE',
  'REFUND_TENDER_NOT_ORIGINAL',
  'SHIFT_NOT_CLOSED',
  'VOID_NOT_ALLOWED',
  'QR_NOT_VERIFIED',
  'QR_ALREADY_USED',
  'QR_ISSUERS_UNVERIFIED',
  'REFUND_NEEDS_MANAGER',
  // Payment QR codes (protocol/qr)
  'QR_INVALID',
  'QR_SIGNATURE',
  'QR_EXPIRED',
  'QR_REPLAYED',
  'QR_AMOUNT_MISMATCH',
  'QR_ISSUER_UNKNOWN',
  'QR_WRONG_PAYEE',
  // Sync: the till's chain, and a rejected bundle whose answer named no code
  'SEQUENCE_GAP',
  'REJECTED',
  // POS hardware (native/hardware, src-main/core/hardware)
  'DEMO_HARDWARE_OFF',
  'NO_PRINTER',
  'HARDWARE_NOT_CONNECTED',
  'HARDWARE_UNAVAILABLE',
  'DEVICE_IO',
  'PRINTER_DISCONNECTED',
  'PAPER_OUT',
  'COVER_OPEN',
  'PRINTER_OFFLINE',
  'NO_PRINTER_INTERFACE',
  // Library and reader (src-main/core/reader, protocol/chunks, protocol/licence)
  'LICENSE_INVALID',
  'LICENSE_RETURNED',
  'LICENSE_CANCELLED',
  'DEVICE_MISMATCH',
  'MATERIAL_NOT_DOWNLOADED',
  'MANIFEST_MISMATCH',
  'SERVER_KEY_UNKNOWN',
  'SERVER_KEY_NOT_PROVISIONED',
  'SERVER_STATEMENT_INVALID',
  'DOWNLOAD_FAILED',
  'CONTENT_READ_FAILED',
  'CHUNK_HASH_MISMATCH',
  'CHUNK_DECRYPT_FAILED',
  'CHUNK_OUT_OF_RANGE',
  'LICENCE_SIGNATURE_INVALID',
  'LICENCE_WRONG_DEVICE',
  // The server: generic HTTP layer (protocol/http/error.ts), less those listed above
  'BAD_REQUEST',
  'NOT_FOUND',
  'INVALID_JSON',
  'JSON_TOO_DEEP',
  'VALIDATION_FAILED',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'DB_UNAVAILABLE',
  // The server: accounts, devices and enrollment (protocol/http/codes.ts)
  'INVALID_CREDENTIALS',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'INVALID_SIGNATURE',
  'INVALID_NONCE',
  'DEVICE_NOT_FOUND',
  'DEVICE_EXISTS',
  'DEVICE_KEY_IN_USE',
  'DEVICE_LIMIT_EXCEEDED',
  'DEVICE_FINGERPRINT_MISMATCH',
  'ENROLLMENT_CODE_INVALID',
  'DEVICE_REVOKED',
  'TOO_MANY_REQUESTS',
  // The server: offline payments (protocol/http/payments.ts)
  'INVALID_BUNDLE',
  'DECRYPTION_FAILED',
  'BUNDLE_MISMATCH',
  'DEVICE_NOT_TERMINAL',
  'UNKNOWN_SERVER_KEY',
  'REPLAYED_NONCE',
  'CLOCK_SKEW',
  'BUNDLE_TOO_OLD',
  'POLICY_DISABLED',
  'POLICY_MISSING',
  'CURRENCY_NOT_ALLOWED',
  'TENDER_ABSURD',
  'SEQUENCE_CONFLICT',
  'BUNDLE_ID_REUSED',
  'BUNDLE_NOT_FOUND',
  'BUNDLE_AMBIGUOUS',
  'REVIEW_NOT_PENDING',
  'QR_TEXT_REQUIRED',
  'QR_ALREADY_CREDITED',
  // The server: offline materials (protocol/http/materials.ts)
  'DEVICE_BLOCKED',
  'LICENSE_NOT_FOUND',
  'LICENSE_EXPIRED',
  'LICENSE_REVOKED',
  'LICENSE_OFFLINE_EXPIRED',
  'MATERIAL_ACCESS_DENIED',
  'MATERIAL_NOT_FOUND',
  'MATERIAL_NOT_READY',
  'RATE_LIMIT_EXCEEDED',
  'JOB_NOT_FOUND',
  'DOWNLOAD_URL_INVALID',
  'RANGE_NOT_SATISFIABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const LISTED: ReadonlySet<string> = new Set(ERROR_CODES);
export const isErrorCode = (code: string): code is ErrorCode => LISTED.has(code);

/**
 * Compile-time proof that every list of codes the server or a protocol module can send is here:
 * `Unlisted` names the missing ones, and the assignment fails while it is not `never`.
 */
type Unlisted = Exclude<
  TrustErrorCode | HttpErrorCode | PaymentErrorCode | MaterialErrorCode | QrErrorCode | ChunkErrorCode,
  ErrorCode
>;
export const SERVER_CODES_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
