import { BundleEnvelope } from '../bundle/envelope';
import { IssuerListQuery } from '../qr/issuer-list';
import { UploadMaterialQuery } from './materials';
import { ReviewQuery } from './sales';
import { PaymentsPullQuery } from './payments';
import type { z } from 'zod';
import { BACK_OFFICE_ROUTES } from './back-office-routes';
import { NoContent, RefreshRequest, SignInRequest, SignOutRequest, TokenResponse } from './auth';
import { TrustErrorCode as E } from './codes';
import type { Role } from './common';
import {
  CheckInRequest,
  CheckInResponse,
  DeregisterResponse,
  DeviceIdParams,
  DeviceList,
  DeviceRecord,
  EnrollmentCodeRequest,
  EnrollmentCodeResponse,
  EnrollRequest,
  EnrollResponse,
  RegisterTerminalRequest,
  RegisterUserDeviceRequest,
  ServerPublicKeys,
} from './devices';
import { HttpErrorCode as H } from './error';
import { HealthFull, MetricsText } from './health';
import {
  DownloadResponse,
  EncryptedFile,
  FileParams,
  GrantRequest,
  WithdrawGrantsRequest,
  WithdrawGrantsResponse,
  GrantResponse,
  IssueLicenceRequest,
  JobParams,
  JobRecord,
  LicenceParams,
  LicenceResponse,
  MaterialErrorCode as M,
  MaterialList,
  MaterialParams,
  OfflineSyncRequest,
  OfflineSyncResponse,
  RenewLicenceRequest,
  ReturnLicenceRequest,
  ReturnLicenceResponse,
  RevokeLicenceRequest,
  RevokeLicenceResponse,
  UploadMaterialResponse,
  ValidateLicenceRequest,
  ValidateLicenceResponse,
} from './materials';
import {
  BundleParams,
  BundleQuery,
  BundleStatusResponse,
  CatalogUpsertRequest,
  CatalogUpsertResponse,
  PaymentErrorCode as P,
  PaymentsPullResponse,
  PushResponse,
  ReviewDecisionRequest,
} from './payments';
import { CatalogErrorCode } from './catalog-admin';
import { CoherentPolicyInput, Policy, PolicyList } from './policies';
import { IssuerKey, IssuerKeyInput } from '../qr/formats';
import { IssuerListAnswer } from '../qr/issuer-list';
import {
  OnlineAuthorisationAnswer,
  OnlineAuthorisationErrorCode as O,
  OnlineAuthorisationRequest,
} from '../online/authorisation';
import { CASHIER_ROUTES } from './cashier-routes';
import { CATALOG_IMAGE_ROUTES } from './catalog-images';
import { CLASSES_ROUTES } from './classes-routes';
import { CONSOLE_ROUTES } from './console-routes';
import { OPERATIONS_ROUTES } from './operations-routes';
import { JOBS_ROUTES } from './jobs-routes';
import { POLICY_HISTORY_ROUTES } from './policy-history';
import { ReviewPage, SalesErrorCode } from './sales';
import { SALES_ROUTES } from './sales-routes';
import { OPENAPI_ROUTES } from './openapi-routes';

/**
 * Who may call a route:
 * - `public`: anyone;
 * - a list of roles: a bearer access token, or the console's session cookie with its CSRF token
 *   (server/console/session.ts), whose user holds at least one of them;
 * - `device`: a request signed by an active device (protocol/crypto/request-signature.ts);
 * - `enrollment`: signed like `device`, but with the key in the body's `pubkey_pem`, which the
 *   device is proving it holds before it exists;
 * - `operator`: the server's monitoring token (config METRICS_TOKEN) as a bearer token, or an access
 *   token whose user holds the `ops` role.
 */
export type RouteAuth = 'public' | 'device' | 'enrollment' | 'operator' | readonly Role[];

export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** Express-style path; `:name` segments are validated by `params`. */
  path: string;
  auth: RouteAuth;
  /**
   * On a `public` route whose handler itself tells its callers apart, the credentials it reads; the
   * app's route client sends one of these there and nothing on any other public route.
   */
  callerAuth?: readonly ('bearer' | 'device')[];
  summary: string;
  params?: z.ZodType;
  /** The query string, validated before the handler runs (the handler gets it parsed as `query`). */
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * A body the handler reads itself rather than the router (a push's envelope, parsed under its own
   * limits and error codes): for the docs and the OpenAPI document only.
   */
  handlerBody?: z.ZodType;
  /** Success status and body; `null` body schema means no body (204). */
  status: number;
  response: z.ZodType;
  /**
   * `text` responses are not JSON (e.g. Prometheus metrics); `binary` handlers write the response
   * themselves (a file stream), and `response` only documents it.
   */
  responseType?: 'json' | 'text' | 'binary';
  /** Domain codes this route may answer with, beyond the generic ones of every route. */
  errors: readonly string[];
  /**
   * `device` routes only: a revoked device whose signature verifies reaches the handler (which then
   * answers its own signed 404 DEVICE_NOT_FOUND) instead of the generic unsigned one.
   */
  revokedDeviceReachesHandler?: true;
}

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;
const signed = [E.INVALID_SIGNATURE, E.INVALID_NONCE, E.DEVICE_NOT_FOUND] as const;

/** The one table of HTTP routes: the server is built from it and docs/api.md generated from it. */
export const ROUTES = {
  signIn: {
    method: 'POST',
    path: '/auth/sign-in',
    auth: 'public',
    summary: 'Exchange email and password for an access token (15 min) and a refresh token.',
    body: SignInRequest,
    status: 200,
    response: TokenResponse,
    errors: [E.INVALID_CREDENTIALS, E.TOO_MANY_REQUESTS],
  },
  refresh: {
    method: 'POST',
    path: '/auth/refresh',
    auth: 'public',
    summary:
      'Rotate a refresh token: the old one stops working, a new pair is returned. Reusing a rotated token revokes every token of that sign-in.',
    body: RefreshRequest,
    status: 200,
    response: TokenResponse,
    errors: [E.UNAUTHENTICATED, E.TOO_MANY_REQUESTS],
  },
  signOut: {
    method: 'POST',
    path: '/auth/sign-out',
    auth: 'public',
    summary: 'Revoke a refresh token and its rotations. Idempotent; the token is the credential.',
    body: SignOutRequest,
    status: 204,
    response: NoContent,
    errors: [],
  },
  registerTerminal: {
    method: 'POST',
    path: '/offline/devices',
    auth: ['pay_admin'],
    summary: 'Register a POS terminal or agent device with its public keys (payments seed).',
    body: RegisterTerminalRequest,
    status: 201,
    response: DeviceRecord,
    errors: [...bearer, E.DEVICE_EXISTS, E.DEVICE_KEY_IN_USE],
  },
  createEnrollmentCode: {
    method: 'POST',
    path: '/offline/enrollment-codes',
    auth: ['pay_admin'],
    summary: 'Issue a one-time enrollment code a device can redeem with POST /offline/enroll.',
    body: EnrollmentCodeRequest,
    status: 201,
    response: EnrollmentCodeResponse,
    errors: [...bearer],
  },
  enroll: {
    method: 'POST',
    path: '/offline/enroll',
    auth: 'enrollment',
    summary:
      "Redeem an enrollment code: registers the device and returns the server keys and policy, the policy, server time and the HPKE key (with its key id) also signed in `statement` for the device and the body's `request_nonce` (docs/protocol.md §5.4). The request must be signed with the key in pubkey_pem. A device id already registered is enrolled again (a till whose data directory was deleted) only with the same pubkey_pem, x25519_pub and fingerprint, still active (else 403 DEVICE_REVOKED) and with a code of its own tenant (else 409 DEVICE_EXISTS); audited as `device.reenrolled`. A refused redemption does not spend the code.",
    body: EnrollRequest,
    status: 201,
    response: EnrollResponse,
    errors: [
      E.INVALID_SIGNATURE,
      E.INVALID_NONCE,
      E.ENROLLMENT_CODE_INVALID,
      E.DEVICE_EXISTS,
      E.DEVICE_REVOKED,
      E.DEVICE_KEY_IN_USE,
      E.TOO_MANY_REQUESTS,
    ],
  },
  checkIn: {
    method: 'POST',
    path: '/offline/devices/check-in',
    auth: 'device',
    summary:
      "A device confirms its enrollment and gets server time, its country policy and `device_status: active`, signed in `statement` for the device and the body's `request_nonce` (fresh per request; docs/protocol.md §5.4): a till applies only the signed ones. A revoked device whose signature verifies gets 404 DEVICE_NOT_FOUND with `error.details.statement` saying `device_status: revoked` for its `request_nonce`: a till marks itself revoked only on that. Optional fingerprint in the body or the x-outpost-fingerprint header.",
    body: CheckInRequest,
    status: 200,
    response: CheckInResponse,
    errors: [...signed, E.DEVICE_FINGERPRINT_MISMATCH],
    revokedDeviceReachesHandler: true,
  },
  upsertPolicy: {
    method: 'POST',
    path: '/offline/policies',
    auth: ['pay_admin', 'ops'],
    summary: 'Create or replace a country policy; its version increases when anything changes.',
    body: CoherentPolicyInput,
    status: 200,
    response: Policy,
    errors: [...bearer],
  },
  listPolicies: {
    method: 'GET',
    path: '/offline/policies',
    auth: ['pay_admin', 'ops'],
    summary: 'Every country policy.',
    status: 200,
    response: PolicyList,
    errors: [...bearer],
  },
  registerUserDevice: {
    method: 'POST',
    path: '/api/v1/offline/devices',
    auth: ['student', 'teacher'],
    summary:
      'Register a laptop for offline materials (at most 5 active per user). Same device and fingerprint again: 200 with the existing record.',
    body: RegisterUserDeviceRequest,
    status: 201,
    response: DeviceRecord,
    errors: [
      ...bearer,
      E.DEVICE_LIMIT_EXCEEDED,
      E.DEVICE_FINGERPRINT_MISMATCH,
      E.DEVICE_EXISTS,
      E.DEVICE_KEY_IN_USE,
    ],
  },
  listUserDevices: {
    method: 'GET',
    path: '/api/v1/offline/devices',
    auth: ['student', 'teacher'],
    summary: "The caller's devices, newest first, revoked ones included.",
    status: 200,
    response: DeviceList,
    errors: [...bearer],
  },
  serverKeys: {
    method: 'GET',
    path: '/api/v1/offline/server-keys',
    auth: 'public',
    summary:
      "The server's public keys: Ed25519 (licences and what else the server signs) and X25519 (HPKE). Laptops pin them at registration; terminals receive them in the enroll answer.",
    status: 200,
    response: ServerPublicKeys,
    errors: [],
  },
  deregisterUserDevice: {
    method: 'DELETE',
    path: '/api/v1/offline/devices/:device_id',
    auth: ['student', 'teacher'],
    summary: "Deregister one of the caller's devices and revoke its licences.",
    params: DeviceIdParams,
    status: 200,
    response: DeregisterResponse,
    errors: [...bearer, E.DEVICE_NOT_FOUND],
  },
  pushBundle: {
    method: 'POST',
    path: '/offline/push',
    auth: 'public',
    handlerBody: BundleEnvelope,
    summary:
      'Push a signed, encrypted bundle of offline sales. The body is a BundleEnvelope (docs/protocol.md §5.3); its own device signature authenticates it, so no signature headers are needed. Re-sending the same bundle returns the first answer with duplicate: true. Answers and codes: docs/protocol.md §5.4. Body limit 32 MB.',
    status: 200,
    response: PushResponse,
    errors: [
      P.INVALID_BUNDLE,
      P.INVALID_SIGNATURE,
      P.DECRYPTION_FAILED,
      P.BUNDLE_MISMATCH,
      P.DEVICE_NOT_FOUND,
      P.DEVICE_NOT_TERMINAL,
      P.UNKNOWN_SERVER_KEY,
      P.REPLAYED_NONCE,
      P.CLOCK_SKEW,
      P.BUNDLE_TOO_OLD,
      P.POLICY_DISABLED,
      P.POLICY_MISSING,
      P.CURRENCY_NOT_ALLOWED,
      P.SEQUENCE_CONFLICT,
      P.BUNDLE_ID_REUSED,
      P.QR_TEXT_REQUIRED,
      E.TOO_MANY_REQUESTS,
    ],
  },
  bundleStatus: {
    method: 'GET',
    path: '/offline/bundles/:bundle_id',
    auth: 'public',
    callerAuth: ['device', 'bearer'],
    summary:
      "A bundle's status, score, reasons and transactions. Either signed by the device that pushed it (device signature headers) or with a bearer token of ops or pay_admin. Another device's bundle answers 404 like an unknown one. A bundle is (device_id, bundle_id): a bearer caller adds `device_id` to the query (without it, 409 BUNDLE_AMBIGUOUS when several devices pushed a bundle under that id).",
    params: BundleParams,
    query: BundleQuery,
    status: 200,
    response: BundleStatusResponse,
    errors: [...signed, ...bearer, P.BUNDLE_NOT_FOUND, P.BUNDLE_AMBIGUOUS],
  },
  pullPayments: {
    method: 'GET',
    path: '/offline/sync/payments',
    query: PaymentsPullQuery,
    auth: 'device',
    summary:
      "Query `since=<cursor>` (optional, from the previous answer), `limit` (1–1000, default 500) and `request_nonce` (fresh per request). Server time, the device's country policy (both also signed in `statement` for this device and `request_nonce`, with `answer_sha256` covering catalog, outcomes, cursor, `more` and `last_seq`: a till applies only what the statement covers, docs/protocol.md §5.4), catalog items of its tenant and outcomes of its bundles changed since the cursor (at most `limit` together, catalog first), a new cursor, `more` (true: pull again at once with this cursor), and the highest sequence number the server holds for the device. Only a POS terminal of a tenant may pull (a laptop: 403 DEVICE_NOT_TERMINAL).",
    status: 200,
    response: PaymentsPullResponse,
    errors: [...signed, P.DEVICE_NOT_TERMINAL],
  },
  upsertCatalog: {
    method: 'POST',
    path: '/offline/catalog',
    auth: ['pay_admin'],
    summary: "Insert or update a tenant's catalog items (by sku); devices of that tenant pull the changes.",
    body: CatalogUpsertRequest,
    status: 200,
    response: CatalogUpsertResponse,
    errors: [...bearer, CatalogErrorCode.CATEGORY_NOT_FOUND, CatalogErrorCode.QUICK_KEY_TAKEN],
  },
  listReview: {
    method: 'GET',
    path: '/offline/review',
    query: ReviewQuery,
    auth: ['ops', 'pay_admin'],
    summary:
      "Bundles waiting for a decision (status review or quarantined), oldest first. Query (all optional): `status`, `reason` (a score reason code), `device_id`, `limit` (1-500, default 500), `cursor` (the previous page's `next_cursor`).",
    status: 200,
    response: ReviewPage,
    errors: [...bearer, SalesErrorCode.CURSOR_INVALID],
  },
  decideReview: {
    method: 'POST',
    path: '/offline/review/:bundle_id',
    auth: ['ops', 'pay_admin'],
    summary:
      'Approve (queued for reconciliation) or reject (bundle and its transactions rejected, nothing reaches the ledger) a bundle in review or quarantine. Query `device_id`: the device that pushed it (a bundle is (device_id, bundle_id); without it, 409 BUNDLE_AMBIGUOUS when several devices pushed a bundle under that id).',
    params: BundleParams,
    query: BundleQuery,
    body: ReviewDecisionRequest,
    status: 200,
    response: BundleStatusResponse,
    errors: [...bearer, P.BUNDLE_NOT_FOUND, P.BUNDLE_AMBIGUOUS, P.REVIEW_NOT_PENDING, P.QR_ALREADY_CREDITED],
  },
  // ---- Materials and licences (materials seed; server/materials, server/licences) ----
  uploadMaterial: {
    method: 'POST',
    path: '/api/v1/offline/materials',
    query: UploadMaterialQuery,
    auth: ['teacher'],
    summary:
      'Upload a material: the body is the raw file (at most 512 MiB), its Content-Type one of MATERIAL_CONTENT_TYPES and matching the bytes, the title in the `title` query parameter. 202: an encryption job is queued; the plaintext is deleted once it has run.',
    status: 202,
    response: UploadMaterialResponse,
    errors: [...bearer, M.UNSUPPORTED_MEDIA_TYPE],
  },
  listMaterials: {
    method: 'GET',
    path: '/api/v1/offline/materials',
    auth: 'public',
    callerAuth: ['bearer', 'device'],
    summary:
      "A teacher's bearer token: their uploads. A user's bearer token, or a laptop's device signature: the materials granted to that user.",
    status: 200,
    response: MaterialList,
    errors: [...bearer, ...signed],
  },
  grantMaterial: {
    method: 'POST',
    path: '/api/v1/offline/materials/:material_id/grants',
    auth: ['teacher'],
    summary:
      'Let users (by email, signed up or not yet) take a material the caller uploaded. Answers how many emails were newly granted.',
    params: MaterialParams,
    body: GrantRequest,
    status: 200,
    response: GrantResponse,
    errors: [...bearer, M.MATERIAL_NOT_FOUND, M.MATERIAL_ACCESS_DENIED],
  },
  withdrawGrants: {
    method: 'DELETE',
    path: '/api/v1/offline/materials/:material_id/grants',
    auth: ['teacher'],
    summary:
      "Withdraw users' access (by email) to a material the caller uploaded and revoke their live licences for it: issue, renew and download are refused until it is granted again. Answers how many grants and licences went.",
    params: MaterialParams,
    body: WithdrawGrantsRequest,
    status: 200,
    response: WithdrawGrantsResponse,
    errors: [...bearer, M.MATERIAL_NOT_FOUND, M.MATERIAL_ACCESS_DENIED],
  },
  materialJob: {
    method: 'GET',
    path: '/api/v1/offline/materials/:material_id/job',
    auth: ['teacher'],
    summary: "The encryption job of one of the caller's materials.",
    params: MaterialParams,
    status: 200,
    response: JobRecord,
    errors: [...bearer, M.MATERIAL_NOT_FOUND, M.JOB_NOT_FOUND],
  },
  getJob: {
    method: 'GET',
    path: '/api/v1/offline/jobs/:job_id',
    auth: ['teacher'],
    summary: "An encryption job of one of the caller's materials.",
    params: JobParams,
    status: 200,
    response: JobRecord,
    errors: [...bearer, M.JOB_NOT_FOUND],
  },
  issueLicence: {
    method: 'POST',
    path: '/api/v1/offline/materials/:material_id/license',
    auth: 'device',
    summary:
      "Issue a licence to the signing laptop (body device_id must be it) for a material its user was granted: 30 days, 72 h offline grace, the CEK sealed to the device's X25519 key, signed with the server's Ed25519 key. The device already holding one: 200 with that same licence.",
    params: MaterialParams,
    body: IssueLicenceRequest,
    status: 201,
    response: LicenceResponse,
    errors: [
      ...signed,
      M.DEVICE_BLOCKED,
      M.MATERIAL_NOT_FOUND,
      M.MATERIAL_ACCESS_DENIED,
      M.MATERIAL_NOT_READY,
    ],
  },
  validateLicence: {
    method: 'POST',
    path: '/api/v1/offline/licenses/:license_id/validate',
    auth: 'device',
    summary:
      'Check a licence the device holds (its nonce proves which copy). A success activates it; any failure counts against the device: the fifth in a row blocks it for an hour.',
    params: LicenceParams,
    body: ValidateLicenceRequest,
    status: 200,
    response: ValidateLicenceResponse,
    errors: [...signed, M.DEVICE_BLOCKED, M.LICENSE_NOT_FOUND, M.LICENSE_EXPIRED, M.LICENSE_REVOKED],
  },
  renewLicence: {
    method: 'POST',
    path: '/api/v1/offline/licenses/:license_id/renew',
    auth: 'device',
    summary:
      'A fresh licence (new id, expiry and nonce) replacing a held one, which becomes cancelled. The user must still have access.',
    params: LicenceParams,
    body: RenewLicenceRequest,
    status: 200,
    response: LicenceResponse,
    errors: [
      ...signed,
      M.DEVICE_BLOCKED,
      M.LICENSE_NOT_FOUND,
      M.LICENSE_EXPIRED,
      M.LICENSE_REVOKED,
      M.MATERIAL_ACCESS_DENIED,
    ],
  },
  returnLicence: {
    method: 'POST',
    path: '/api/v1/offline/licenses/:license_id/return',
    auth: 'device',
    summary: 'Give a licence back early; frees the device slot for that material. Idempotent.',
    params: LicenceParams,
    body: ReturnLicenceRequest,
    status: 200,
    response: ReturnLicenceResponse,
    errors: [...signed, M.LICENSE_NOT_FOUND, M.LICENSE_REVOKED],
  },
  revokeLicence: {
    method: 'POST',
    path: '/api/v1/offline/licenses/:license_id/revoke',
    auth: ['teacher'],
    summary:
      "Revoke a licence of one of the caller's materials; the device learns it at its next sync. Idempotent.",
    params: LicenceParams,
    body: RevokeLicenceRequest,
    status: 200,
    response: RevokeLicenceResponse,
    errors: [...bearer, M.LICENSE_NOT_FOUND, M.MATERIAL_ACCESS_DENIED],
  },
  offlineSync: {
    method: 'POST',
    path: '/api/v1/offline/sync',
    auth: 'device',
    summary:
      "The state of each licence the device lists (one it does not hold answers revoked) and the server's time.",
    body: OfflineSyncRequest,
    status: 200,
    response: OfflineSyncResponse,
    errors: [...signed],
  },
  downloadMaterial: {
    method: 'GET',
    path: '/api/v1/offline/materials/:material_id/download',
    auth: 'device',
    summary:
      'The manifest and a signed URL (15 minutes) of the encrypted file, for a device holding a licence of the material. At most 10 per user per hour.',
    params: MaterialParams,
    status: 200,
    response: DownloadResponse,
    errors: [
      ...signed,
      M.DEVICE_BLOCKED,
      M.MATERIAL_NOT_FOUND,
      M.MATERIAL_NOT_READY,
      M.LICENSE_NOT_FOUND,
      M.RATE_LIMIT_EXCEEDED,
    ],
  },
  downloadFile: {
    method: 'GET',
    path: '/api/v1/offline/files/:token',
    auth: 'public',
    summary:
      'The encrypted file behind a download URL; the token is the authorisation. Accept-Ranges: bytes; one `Range: bytes=` range answers 206 with Content-Range; several are ignored (200).',
    params: FileParams,
    status: 200,
    response: EncryptedFile,
    responseType: 'binary',
    errors: [M.DOWNLOAD_URL_INVALID, M.RANGE_NOT_SATISFIABLE],
  },
  // ---- end of materials and licences ----
  // Payment QR issuers (issue 4, item 6; docs/protocol.md "Payment QR codes").
  upsertQrIssuer: {
    method: 'POST',
    path: '/offline/qr/issuers',
    auth: ['pay_admin'],
    summary:
      'Add or replace a payment issuer key (raw Ed25519, base64url) whose customer payment QR codes terminals accept; active: false withdraws it.',
    body: IssuerKeyInput,
    status: 200,
    response: IssuerKey,
    errors: [...bearer, 'QR_ISSUER_KEY_INVALID'],
  },
  listQrIssuers: {
    method: 'GET',
    path: '/offline/qr/issuers',
    query: IssuerListQuery,
    auth: 'device',
    summary:
      'Query `request_nonce` (fresh per request). The active payment issuer keys, for terminals to verify customer payment QR codes offline, and `statement`: the server’s signature over them for this device and `request_nonce` (`answer_sha256` = issuerListSha256 of the keys, docs/protocol.md "Payment QR codes"); a till keeps a list only when it verifies. Only a POS terminal of a tenant may ask (a laptop: 403 DEVICE_NOT_TERMINAL).',
    status: 200,
    response: IssuerListAnswer,
    errors: [...signed, P.DEVICE_NOT_TERMINAL],
  },
  // Online authorisation of a sale above the offline maximum (issue #18, item 7).
  authoriseOnlineSale: {
    method: 'POST',
    path: '/offline/online-authorisations',
    auth: 'device',
    summary:
      'A till asks the server to authorise one sale above max_offline_amount before recording it: `sale_id`, `amount_minor`, `currency`, `request_nonce`. The server checks the device is a POS terminal, its country’s policy is enabled and in that currency, and the amount is at most the online cap (the policy’s max_unsynced_amount); it stores the authorisation (5 minutes) and answers it with its signed `statement` (`online_authorisation`, docs/protocol.md "Online authorisation"). The sale carries `online_authorisation` and is not AMOUNT_OVER_LIMIT at push when the stored authorisation matches and is unused.',
    body: OnlineAuthorisationRequest,
    status: 201,
    response: OnlineAuthorisationAnswer,
    errors: [
      ...signed,
      P.DEVICE_NOT_TERMINAL,
      P.POLICY_MISSING,
      P.POLICY_DISABLED,
      P.CURRENCY_NOT_ALLOWED,
      O.ONLINE_AMOUNT_OVER_LIMIT,
      O.SALE_ALREADY_AUTHORISED,
    ],
  },
  healthFull: {
    method: 'GET',
    path: '/health/full',
    auth: 'operator',
    summary:
      'Database, schema version and worker heartbeat, for the operator (METRICS_TOKEN or the ops role; /health/live and /health/ready are public). 503 DB_UNAVAILABLE when the database is down.',
    status: 200,
    response: HealthFull,
    errors: [...bearer, H.DB_UNAVAILABLE],
  },
  metrics: {
    method: 'GET',
    path: '/metrics',
    auth: 'operator',
    summary:
      'Prometheus metrics (text format), for the operator: `Authorization: Bearer <METRICS_TOKEN>` (what a scraper sends) or an access token with the ops role.',
    status: 200,
    response: MetricsText,
    responseType: 'text',
    errors: [...bearer],
  },
  // The back office (issue #19): tills, laptops, enrollment codes, policies, catalog.
  ...BACK_OFFICE_ROUTES,
  ...POLICY_HISTORY_ROUTES,
  // The back office's session, first run and people (issue #19).
  ...CONSOLE_ROUTES,
  // The back office's sales, bundles, takings and ledger (issue #19).
  ...SALES_ROUTES,
  ...OPENAPI_ROUTES, // The OpenAPI document (issue #20).
  ...CASHIER_ROUTES, // a shop's cashiers and the roster its tills pull (#19 item 3)
  // The back office's audit log and health at a glance (issue #19, item 10).
  ...OPERATIONS_ROUTES,
  ...JOBS_ROUTES,
  // The back office's classes and licence list, for the Materials page (issue #19, item 9).
  ...CLASSES_ROUTES,
  ...CATALOG_IMAGE_ROUTES, // a product's picture, in the back office and to tills (#19 item 6)
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;
