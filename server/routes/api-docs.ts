import { z } from 'zod';
import {
  BACK_OFFICE_ERROR_STATUS,
  CASHIER_ERROR_STATUS,
  CONSOLE_ERROR_STATUS,
  HttpErrorCode,
  MATERIAL_ERROR_STATUS,
  PAYMENT_ERROR_STATUS,
  ROUTES,
  SALES_ERROR_STATUS,
  TRUST_ERROR_STATUS,
  type RouteSpec,
} from '../../protocol/http';
import { CATALOG_IMAGE_ERROR_STATUS } from '../../protocol/http/catalog-images';
import { CLASS_ERROR_STATUS } from '../../protocol/http/classes';
import { JOB_ERROR_STATUS } from '../../protocol/http/jobs';
import { OPERATIONS_ERROR_STATUS } from '../../protocol/http/operations';
import { ONLINE_AUTHORISATION_ERROR_STATUS } from '../../protocol/online/authorisation';

const GENERIC_STATUS: Record<string, number> = {
  [HttpErrorCode.DB_UNAVAILABLE]: 503,
  QR_ISSUER_KEY_INVALID: 400,
};

/** Every table of error code → HTTP status the server answers with. */
const STATUS_TABLES: readonly Readonly<Record<string, number>>[] = [
  TRUST_ERROR_STATUS,
  PAYMENT_ERROR_STATUS,
  MATERIAL_ERROR_STATUS,
  BACK_OFFICE_ERROR_STATUS,
  CONSOLE_ERROR_STATUS,
  SALES_ERROR_STATUS,
  CASHIER_ERROR_STATUS,
  CLASS_ERROR_STATUS,
  OPERATIONS_ERROR_STATUS,
  ONLINE_AUTHORISATION_ERROR_STATUS,
  JOB_ERROR_STATUS,
  CATALOG_IMAGE_ERROR_STATUS,
  GENERIC_STATUS,
];

function authText(auth: RouteSpec['auth']): string {
  if (auth === 'public') return 'public';
  if (auth === 'device') return 'device signature';
  if (auth === 'enrollment') return 'device signature (key in body)';
  if (auth === 'operator') return 'METRICS_TOKEN or ops';
  return `bearer or console session: ${auth.join(' or ')}`;
}

function schemaBlock(schema: z.ZodType, io: 'input' | 'output'): string {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  delete (json as { $schema?: unknown }).$schema;
  return ['```json', JSON.stringify(json, null, 2), '```'].join('\n');
}

/** The HTTP status a domain error code is answered with (docs/api.md and docs/openapi.json). */
/**
 * The status a route answers `code` with. A code in no table is a mistake in the route table (the
 * docs would otherwise print a guess), so generating the docs fails on it.
 */
export function statusOf(code: string): number {
  for (const table of STATUS_TABLES) if (Object.hasOwn(table, code)) return table[code]!;
  throw new Error(`No HTTP status is known for error code ${code}: add it to its *_ERROR_STATUS table`);
}

/** docs/api.md, generated from protocol/http/routes.ts by `npm run docs:api`. */
export function renderApiDocs(): string {
  const entries = Object.entries(ROUTES) as [string, RouteSpec][];
  const out: string[] = [
    '# Outpost server HTTP API',
    '',
    '<!-- Generated from protocol/http/routes.ts by `npm run docs:api`; do not edit by hand. -->',
    '',
    'The same routes as an OpenAPI 3.1 document: `docs/openapi.json`, also served at `GET /api/openapi.json`. The wire formats',
    '(signatures, bundles, HPKE, QR codes, licences), what a push refuses and scores, and test vectors: `docs/protocol.md`.',
    '',
    'Every error has the body `{ "error": { "code", "message", "details"? } }` (see `docs/operations.md`).',
    'Every route may also answer `400 INVALID_JSON`, `400 JSON_TOO_DEEP` (objects and arrays nested deeper than 64, refused',
    'before the body is parsed), `400 VALIDATION_FAILED`, `413 PAYLOAD_TOO_LARGE` (16 KB on sign-in, refresh, sign-out, enrollment, console setup',
    'and link acceptance, 32 MB on push, 1 MB elsewhere; or more than 50,000 values, refused before the body is parsed),',
    '`415 UNSUPPORTED_MEDIA_TYPE` (bodies are UTF-8 JSON, uncompressed: another charset or any Content-Encoding),',
    '`405 METHOD_NOT_ALLOWED` and `500 INTERNAL`.',
    'A string anywhere in a body, parameter or query holding a control character (U+0000-U+001F but the line',
    'breaks of PEM keys, U+007F-U+009F, U+2028, U+2029) answers `400 CONTROL_CHARACTERS` with `details: [{ path, code, message }]`;',
    'text fields refuse line breaks too (`400 VALIDATION_FAILED`). base64url fields accept only the canonical',
    'spelling (no padding, unused bits of the last character zero): anything else is a validation error.',
    '',
    '## Throttling',
    '',
    'Sign-in, refresh, enrollment and push are counted in PostgreSQL (shared by every server replica). Over a',
    'limit they answer `429 TOO_MANY_REQUESTS` with a `Retry-After` header (seconds) and',
    '`details.retry_after_seconds`, before any password is hashed or bundle opened; wait that long, then retry.',
    'The limits are in `docs/operations.md` ("Throttling").',
    '',
    '## Authentication',
    '',
    '- **bearer**: `Authorization: Bearer <access_token>` from `POST /auth/sign-in` (EdDSA JWT, 15 minutes).',
    '  Missing or invalid: `401 UNAUTHENTICATED`; expired: `401 TOKEN_EXPIRED`; none of the roles: `403 FORBIDDEN`.',
    '- **device signature**: headers `x-outpost-device`, `x-outpost-timestamp` (ms), `x-outpost-nonce`,',
    '  `x-outpost-signature`: Ed25519 over the canonical JSON of method, path with query, SHA-256 of the exact',
    '  body bytes, device id, timestamp and nonce (`protocol/crypto/request-signature.ts`). Missing, malformed or',
    '  wrong: `401 INVALID_SIGNATURE`; timestamp more than 5 minutes off or nonce already used: `403 INVALID_NONCE`;',
    '  an unknown device id answers exactly as a wrong signature (`401 INVALID_SIGNATURE`, same bytes);',
    '  a revoked device whose signature verifies: `404 DEVICE_NOT_FOUND`.',
    "- **device signature (key in body)**: the same headers, verified with the body's `pubkey_pem`, whose",
    '  `device_id` must equal the header (proof of possession before the device exists).',
    '',
    '## Server keys and the master secret',
    '',
    'On first start the server creates an Ed25519 key (signs access tokens; its public half is',
    '`server.signing_public_key_pem` in the enroll answer) and an X25519 key (`server.hpke_public_key`, for HPKE).',
    'Their private halves are stored in the table `server_keys`, encrypted with AES-256-GCM under a key derived',
    'from the master secret: `OUTPOST_MASTER_SECRET` (32 bytes, base64; `openssl rand -base64 32`). When it is',
    'unset, the server generates one into `<OUTPOST_DATA_DIR>/server/master.key` (mode 0600) and logs a warning:',
    'fine for development or one machine, but production should set the variable from a secret store. Losing the',
    'master secret makes the stored keys unusable; start-up then fails with a message saying so.',
    '',
    'Command-line tools (DATABASE_URL, or the embedded database with the server stopped; both need the',
    "server's master secret, from `OUTPOST_MASTER_SECRET` or the server's `OUTPOST_DATA_DIR`, because the audit",
    'log is keyed with it): `npm run admin:create -- --email a@b.example --roles pay_admin,ops` (password from',
    '`OUTPOST_ADMIN_PASSWORD` or one line of stdin) and `npm run audit:verify` (exit 1 and the first broken row',
    'when the audit log was altered, truncated or forged; docs/operations.md "The audit log and its key").',
    '',
    '## Changes',
    '',
    '- **Issue #19, the five roles.** The role `user` is now `student` (a migration renamed every stored one) and',
    '  `cashier` is new: `pay_admin`, `ops`, `teacher`, `student`, `cashier`. `user` is **not** accepted as an alias',
    '  on input: a body naming it answers `400 VALIDATION_FAILED` (roles), so a script still sending it fails',
    '  loudly rather than granting something else; send `student`. Answers name `student`.',
    "- **Issue #19, a shop's cashiers.** `/console/cashiers` (pay_admin) manages them; a till's pull with",
    '  `roster=1` carries the signed roster (`roster`), covered by `answer_sha256`.',
    '',
    '## Routes',
    '',
    '| method | path | auth | success | errors |',
    '| --- | --- | --- | --- | --- |',
    ...entries.map(
      ([, r]) =>
        `| ${r.method} | \`${r.path}\` | ${authText(r.auth)} | ${r.status} | ${r.errors.map((c) => `${statusOf(c)} ${c}`).join(', ') || '—'} |`,
    ),
    '',
  ];
  for (const [name, r] of entries) {
    out.push(
      `## ${r.method} ${r.path}`,
      '',
      r.summary,
      '',
      `- name: \`${name}\``,
      `- auth: ${authText(r.auth)}`,
    );
    const media = { json: '', text: ' (text/plain)', binary: ' (application/octet-stream)' };
    out.push(`- success: ${r.status}${media[r.responseType ?? 'json']}`);
    if (r.errors.length > 0)
      out.push(`- errors: ${r.errors.map((c) => `${statusOf(c)} \`${c}\``).join(', ')}`);
    out.push('');
    if (r.params) out.push('Path parameters:', '', schemaBlock(r.params, 'input'), '');
    if (r.query) out.push('Query:', '', schemaBlock(r.query, 'input'), '');
    if (r.body) out.push('Request body:', '', schemaBlock(r.body, 'input'), '');
    if (r.handlerBody)
      out.push('Request body (read by the handler itself):', '', schemaBlock(r.handlerBody, 'input'), '');
    if (r.status !== 204) out.push('Response body:', '', schemaBlock(r.response, 'output'), '');
  }
  return out.join('\n');
}

/** Formatted the way `prettier --check` wants it, so lint and the freshness test agree. */
export async function formattedApiDocs(): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig('docs/api.md')) ?? {};
  return prettier.format(renderApiDocs(), { ...options, parser: 'markdown' });
}
