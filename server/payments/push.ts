import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import {
  BundleEnvelope,
  BundleError,
  MAX_CLOCK_SKEW_MS,
  NONCE_TTL_MS,
  type Sale,
} from '../../protocol/bundle';
import { PAYMENT_ERROR_STATUS, PaymentErrorCode, type PushResponse } from '../../protocol/http';
import { appendAudit, auditChain, auditStatement, type ActorType, type AuditEntry } from '../audit/chain';
import { sameBase64url } from '../../protocol/crypto';
import { commitWith, queryAll, type Statement } from '../db/inline';
import { deviceChangeCte } from '../db/change-counters';
import { isUniqueViolation, withClient, withTransaction } from '../db/tx';
import { NOBODYS_KEY_PEM } from '../devices/authenticate';
import { findDevice, type DeviceRow } from '../devices/store';
import { isPaymentTerminal, type DeviceRegistration } from '../devices/terminal';
import { HttpError, validationIssues } from '../http/errors';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import { openForServer, rawX25519Private } from './open';
import { prepareBundle, type PreparedBundle } from './prepare';
import { DeviceKeyError, devicePublicKey } from './device-keys';
import { openPool } from './open-pool';
import { checkRefunds, type RefundFindings } from './refunds';
import { checkQrTokens } from './qr-tokens';
import { issuerKeys, QrVerifier, type StoredIssuerKey } from './qr-verifier';
import { checkCashiers } from './cashiers';
import { claimQrUses } from './qr-uses';
import { claimOnlineAuthorisations } from './online-authorisations';
import { checkTransition, rescore, withOrigin, withoutOrigin, type StoredReason } from './bundle-states';
import { scoreFacts } from './score';
import { acceptedServerKeyIds } from './server-key-ids';
import { pushBeginStatement, toPushState, type PushStateRow } from './push-state';
import { TRANSACTION_COLUMNS, transactionUnnest, type BundleRow, type PushAnswer } from './store';

export interface PushDeps {
  pool: pg.Pool;
  logger: Logger;
  /** The server's X25519 private key (server/keys). */
  hpkePrivateKey: KeyObject;
  /** Its public half, raw base64url: bundles must name it in hpke.server_key_id. */
  hpkePublicKeyRaw: string;
}

/** A refusal: answered with its code, audited as bundle.rejected, nothing else stored. */
export class PushRejected extends HttpError {
  constructor(
    code: PaymentErrorCode,
    message: string,
    details?: unknown,
    readonly auditDetails: Record<string, unknown> = {},
  ) {
    super(PAYMENT_ERROR_STATUS[code], code, message, details);
  }
}

const reject = (code: PaymentErrorCode, message: string, details?: Record<string, unknown>) =>
  new PushRejected(code, message, details, details ?? {});

/** What store() decided: the answer, and the audit entry storeAndCommit appends before COMMIT. */
interface Stored {
  response: PushResponse;
  /** The bundle's one INSERT (bundle, sales, nonce, queue entry); null for a duplicate. */
  insert: Statement | null;
  audit: AuditEntry | null;
}

/** How old the issuer keys an open thread verifies QRs against may be (see openThreadQrKeys). */
const QR_KEYS_REREAD_MS = 5_000;

/** The device's key changed after the bundle was verified with the old one: verify again. */
class StaleDeviceKey extends Error {}

export function createPushService(deps: PushDeps) {
  const serverPrivateKey = rawX25519Private(deps.hpkePrivateKey);
  const keyIds = acceptedServerKeyIds({ publicKeyRaw: deps.hpkePublicKeyRaw });
  /**
   * device_id → the PEM its last stored push verified with. It saves the device lookup before the
   * open; the push's transaction reads the device row under lock anyway and goes back to a fresh
   * lookup when the device was revoked or re-keyed since (so does a bundle that fails to open).
   */
  const knownPems = new Map<string, string>();

  /**
   * The QR issuer keys an open thread verifies a bundle's QRs against, read at most every few
   * seconds: the push's transaction reads them again and verifies afresh when they changed.
   */
  let qrKeys: { at: number; keys: Promise<StoredIssuerKey[] | undefined> } | undefined;
  const openThreadQrKeys = () => {
    if (!qrKeys || Date.now() - qrKeys.at > QR_KEYS_REREAD_MS)
      qrKeys = { at: Date.now(), keys: issuerKeys(deps.pool).catch(() => undefined) };
    return qrKeys.keys;
  };

  async function openEnvelope(envelope: BundleEnvelope, pem: string): Promise<PreparedBundle> {
    const threads = openPool();
    if (threads)
      return { envelope, ...(await threads.open(envelope, pem, serverPrivateKey, await openThreadQrKeys())) };
    return prepareBundle(
      await openForServer(envelope, { devicePublicKey: devicePublicKey(pem), serverPrivateKey }),
    );
  }

  async function push(body: unknown, now: () => Date = () => new Date()): Promise<PushResponse> {
    metrics.bundlesPushed.inc();
    const parsed = BundleEnvelope.safeParse(body);
    if (!parsed.success) {
      metrics.bundlesRejected.inc({ reason: PaymentErrorCode.INVALID_BUNDLE });
      // Not audited: without a parsable envelope there is no device or bundle to name.
      throw new PushRejected(
        PaymentErrorCode.INVALID_BUNDLE,
        'Bundle envelope is malformed',
        validationIssues(parsed.error),
      );
    }
    const envelope = parsed.data;
    const deviceId = envelope.device_id;
    // Set once the device's signature verifies; until then the caller is nobody (see the catch).
    let actor: { type: ActorType; id: string } | undefined;
    try {
      // Before any key or signature work: an id that names no key of ours is a bundle this server
      // cannot have been meant to open, and its payload would not be what a terminal sealed to us.
      if (!keyIds.has(envelope.hpke.server_key_id))
        throw reject(
          PaymentErrorCode.UNKNOWN_SERVER_KEY,
          'hpke.server_key_id names no current or recent key of this server',
          { server_key_id: envelope.hpke.server_key_id },
        );
      for (let fresh = false; ; fresh = true) {
        const cached = fresh ? undefined : knownPems.get(deviceId);
        let pem = cached;
        // An unknown or revoked device still has its bundle's signature checked (an unknown one
        // against a key nobody holds): a stranger gets the same 401 INVALID_SIGNATURE, at the same
        // cost, whether or not the id exists. Only a verified signature learns DEVICE_NOT_FOUND.
        let inactive = false;
        if (pem === undefined) {
          knownPems.delete(deviceId);
          const device = await findDevice(deps.pool, deviceId);
          inactive = !device || device.status !== 'active';
          pem = device?.pubkey_pem ?? NOBODYS_KEY_PEM;
        }
        let opened: PreparedBundle;
        try {
          opened = await openEnvelope(envelope, pem);
        } catch (err) {
          if (inactive && !(err instanceof BundleError && err.code === 'INVALID_SIGNATURE'))
            throw reject(PaymentErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
          // With a remembered key, a failure is answered only after a fresh lookup: the device may
          // have been revoked (DEVICE_NOT_FOUND comes first) or re-keyed since.
          if (cached !== undefined && (err instanceof BundleError || err instanceof DeviceKeyError)) continue;
          if (err instanceof DeviceKeyError)
            throw new Error(`device ${deviceId} has an unusable public key`, { cause: err });
          // openParsedBundle (server/payments/open.ts) checks the signature first: past
          // INVALID_SIGNATURE the device is the bundle's author, and its refusal is audited.
          if (err instanceof BundleError && err.code !== 'INVALID_SIGNATURE')
            actor = { type: 'device', id: deviceId };
          if (err instanceof BundleError)
            throw reject(err.code as PaymentErrorCode, err.message, {
              ...(err.details && 'field' in err.details ? { field: err.details.field } : {}),
            });
          throw err;
        }
        if (inactive) throw reject(PaymentErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
        // From here the device's signature has verified: the device is the actor.
        actor = { type: 'device', id: deviceId };
        if (opened.duplicateSaleId)
          throw reject(PaymentErrorCode.INVALID_BUNDLE, 'a sale_id appears twice in the bundle');

        // Two attempts: a unique violation means a concurrent push stored something this one could
        // not see yet; on the retry the device lock and the lookups see it and answer accordingly.
        // A violation on the retry is a sale_id this device already stored under another bundle: the
        // primary key (device_id, sale_id) is the check, so the lookups do not probe 100 sale ids on
        // every push. Another device's sale of the same id never clashes (issue #16, eighth pass M-1).
        for (let attempt = 1; ; attempt++) {
          try {
            const { response } = await storeAndCommit(deps.pool, (client) =>
              store(client, opened, pem, now()),
            );
            if (knownPems.size >= 50_000) knownPems.clear();
            knownPems.set(deviceId, pem);
            return response;
          } catch (err) {
            if (err instanceof StaleDeviceKey && !fresh) break;
            if (err instanceof StaleDeviceKey)
              throw reject(
                PaymentErrorCode.INVALID_SIGNATURE,
                'The device key changed while the bundle was verified',
              );
            if (!isUniqueViolation(err)) throw err;
            if (attempt >= 2)
              throw reject(PaymentErrorCode.SEQUENCE_CONFLICT, 'Sales of this bundle are already stored', {
                constraint: (err as { constraint?: string }).constraint ?? null,
              });
          }
        }
        actor = undefined;
      }
    } catch (err) {
      if (err instanceof PushRejected) {
        metrics.bundlesRejected.inc({ reason: err.code });
        if (err.code === PaymentErrorCode.DEVICE_NOT_FOUND) knownPems.delete(deviceId);
        // Only a device whose signature verified is an actor and may add to the audit log; an
        // unknown, revoked or unverified sender (device_id is its own claim) is counted above only.
        const by = err.code === PaymentErrorCode.DEVICE_NOT_FOUND ? undefined : actor;
        if (by)
          await withTransaction(deps.pool, (client) =>
            appendAudit(client, {
              actorType: by.type,
              actorId: by.id,
              action: 'bundle.rejected',
              targetType: 'bundle',
              targetId: envelope.bundle_id,
              details: { code: err.code, device_id: deviceId, ...err.auditDetails },
            }),
          ).catch((auditErr: unknown) =>
            deps.logger.error({ err: auditErr }, 'audit of a rejected bundle failed'),
          );
      }
      throw err;
    }
  }

  return { push };
}

type Opened = PreparedBundle;

const hasQrTender = (sale: Sale) => sale.kind === 'sale' && sale.tenders.some((t) => t.qr !== undefined);
type LockedDevice = Pick<
  DeviceRow,
  'device_id' | 'status' | 'tenant_type' | 'tenant_id' | 'country' | 'pubkey_pem'
> &
  DeviceRegistration;

function answer(a: PushAnswer, bundleId: string, duplicate: boolean, now: Date): PushResponse {
  return { success: true, bundle_id: bundleId, ...a, duplicate, server_time: now.toISOString() };
}

/**
 * Everything after the signature: one transaction, serialised per device by a row lock. The audit
 * entry is returned, not written: the caller appends it last and commits right behind it.
 */
async function store(client: pg.PoolClient, opened: Opened, pem: string, now: Date): Promise<Stored> {
  const { envelope, head: payload } = opened;
  // BEGIN, the device's row lock and everything the checks below read, in one round trip.
  const [, beginRows] = await queryAll(client, [
    'BEGIN',
    pushBeginStatement({
      bundleId: envelope.bundle_id,
      deviceId: envelope.device_id,
      nonce: envelope.nonce,
      now,
      seqFrom: payload.seq_from,
      seqTo: payload.seq_to,
      days: opened.facts.offlineByDay.map(([day]) => day),
      earliest: new Date(opened.facts.earliest),
    }),
  ]);
  const begun = beginRows!.rows[0] as { device: LockedDevice | null; state: PushStateRow | null };
  const locked = begun.device;
  if (!locked || locked.status !== 'active')
    throw reject(PaymentErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
  if (locked.pubkey_pem !== pem) throw new StaleDeviceKey();
  // The signature proves which device sent this, not that the device may take money.
  if (!isPaymentTerminal(locked))
    throw reject(
      PaymentErrorCode.DEVICE_NOT_TERMINAL,
      'Only a POS terminal of a tenant may push sales; this device is not registered as one',
      { enrolled_via: locked.enrolled_via },
    );
  const state = toPushState(begun.state!);

  // Idempotency first: a re-sent bundle gets its first answer whatever the clock says now. A bundle
  // is (device_id, bundle_id): `existing` is this device's own bundle of that id, never another
  // device's (whose bundle under the same id once made this one's a final BUNDLE_ID_REUSED, #16,
  // 13th pass M-1).
  const existing = state.existing;
  if (existing) {
    // Compared as bytes (the envelope schema also refuses non-canonical spellings).
    if (sameBase64url(existing.signature, envelope.signature))
      return {
        response: answer(existing.push_answer, existing.bundle_id, true, now),
        insert: null,
        audit: null,
      };
    throw reject(
      PaymentErrorCode.BUNDLE_ID_REUSED,
      'This device already used this bundle_id for other content',
    );
  }

  if (state.nonceUsed) throw reject(PaymentErrorCode.REPLAYED_NONCE, 'Nonce already used by another bundle');

  const skew = Date.parse(envelope.device_clock) - now.getTime();
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS)
    throw reject(
      PaymentErrorCode.CLOCK_SKEW,
      'Device clock differs from server time by more than 30 minutes',
      {
        skew_ms: skew,
      },
    );

  // No policy, no limits to hold a sale to: no offline payments at all, rather than unlimited ones.
  const policy = state.policy;
  if (!policy)
    throw reject(
      PaymentErrorCode.POLICY_MISSING,
      `No offline payment policy exists for the device's country (${locked.country ?? 'none'})`,
      { country: locked.country },
    );
  if (!policy.enabled)
    throw reject(PaymentErrorCode.POLICY_DISABLED, `Offline payments are disabled for ${policy.country}`);
  // The limits are amounts in the policy's currency; a sale in another one cannot be held to them.
  const foreign = opened.facts.currencies.filter((c) => c !== policy.currency);
  if (foreign.length > 0)
    throw reject(
      PaymentErrorCode.CURRENCY_NOT_ALLOWED,
      `Sales in ${foreign.join(', ')}: the policy of ${policy.country} is in ${policy.currency}`,
      { currencies: foreign, policy_currency: policy.currency },
    );
  // A QR tender without the QR itself proves nothing, yet it named a token: it is refused, not held
  // (red-team pass 11, M-1). Every till since the server verifies QRs sends the text; a void or
  // refund repeats its original's tender as it was.
  const textless = (opened.sales ?? []).filter(
    (s) => s.kind === 'sale' && s.tenders.some((t) => t.qr !== undefined && t.qr.text === undefined),
  );
  if (textless.length > 0)
    throw reject(
      PaymentErrorCode.QR_TEXT_REQUIRED,
      `${textless.length} sale(s) paid by QR carry no QR text to verify (first: ${textless[0]!.sale_id})`,
      { sale_ids: textless.slice(0, 20).map((s) => s.sale_id) },
    );
  // Absurd cash (issue #18) is scored per sale, not refused: a lowered policy maximum turned an
  // honest sale into a refusal that blocked the till for good (red-team pass 7, M-c). score.ts.
  const maxAgeHours = policy.max_bundle_age_hours;
  const oldest = opened.facts.earliest;
  if (now.getTime() - oldest > maxAgeHours * 3_600_000)
    throw reject(PaymentErrorCode.BUNDLE_TOO_OLD, `The oldest sale is older than ${maxAgeHours} hours`, {
      max_bundle_age_hours: maxAgeHours,
    });

  // Sequence against what the server holds for this device.
  if (state.overlap)
    throw reject(PaymentErrorCode.SEQUENCE_CONFLICT, 'The sequence range overlaps sales already stored', {
      seq_from: payload.seq_from,
      seq_to: payload.seq_to,
    });
  // A sale this device already stored (under another bundle) is refused by the insert's primary key,
  // (device_id, sale_id): see push(). Another device's sale under the same sale_id is not this one.

  const before = state.previous;
  const heldUpTo = before ? Number(before.seq_to) : 0;
  const gaps: string[] = [];
  const breaks: string[] = [];
  const heldGap = heldUpTo + 1 < payload.seq_from;
  if (heldGap) gaps.push(`server holds sales up to ${heldUpTo}; bundle starts at ${payload.seq_from}`);
  else if (before && before.chain_head !== payload.prev_chain_head)
    breaks.push(`prev_chain_head is not the chain head of sale ${heldUpTo} held by the server`);
  if (opened.innerChain?.code === 'SEQUENCE_GAP') gaps.push(`inside the bundle: ${opened.innerChain.detail}`);
  if (opened.innerChain?.code === 'CHAIN_BROKEN')
    breaks.push(`inside the bundle: ${opened.innerChain.detail}`);

  const after = state.following;
  if (after && after.prev_chain_head !== payload.chain_head)
    breaks.push(`the stored bundle ${after.bundle_id} that follows does not continue this chain`);

  const refunds: RefundFindings = opened.sales
    ? await checkRefunds(client, opened.sales, locked)
    : { unknownOriginal: null, mismatch: null, cashOverride: null };
  // One read of the issuer keys and one verification of each QR for both checks below.
  const qr = opened.sales?.some(hasQrTender) ? await QrVerifier.load(client, opened.qr) : undefined;
  const qrReuse = opened.sales ? await claimQrUses(client, opened.sales, envelope.bundle_id, qr) : null;
  const qrTokens = opened.sales
    ? await checkQrTokens(
        client,
        opened.sales,
        {
          deviceId: envelope.device_id,
          previousLastSaleAt: before?.last_sale_at ? new Date(before.last_sale_at) : null,
        },
        qr,
      )
    : undefined;
  const online = opened.sales
    ? await claimOnlineAuthorisations(client, opened.sales, envelope.bundle_id)
    : undefined;
  const cashiers = await checkCashiers(client, opened.facts.cashiers, locked);

  const banded = scoreFacts(opened.facts, {
    policy,
    deviceClock: new Date(envelope.device_clock),
    serverNow: now,
    previousLastSaleAt: before?.last_sale_at ?? null,
    storedOfflineCountByDay: state.offlineCountByDay,
    // bigint totals saturate at 2^53 - 1 when stored, so the sum stays a safe comparison.
    storedUnsyncedTotal: state.roundTotals
      .flat()
      .filter((t) => t.currency === policy.currency)
      .reduce((acc, t) => acc + t.total_minor, 0),
    sequenceGap: gaps.length > 0 ? gaps.join('; ') : null,
    chainBreak: breaks.length > 0 ? breaks.join('; ') : null,
    invalidSales: opened.invalidSales,
    refunds,
    qrReuse,
    ...(qrTokens ? { qrTokens } : {}),
    ...(cashiers ? { cashiers } : {}),
    ...(online
      ? {
          online: {
            authorisedTotals: opened
              .sales!.filter(
                (sale) => online.authorised.has(sale.sale_id) && sale.currency === policy.currency,
              )
              .map((sale) => sale.total_minor),
            refused: online.refused,
          },
        }
      : {}),
  });
  // The gap against what the server holds is recorded as such: a later push that fills it clears
  // this reason (resolveGap), and nothing else does.
  const scored = {
    ...banded,
    reasons: banded.reasons.map((r) =>
      r.code === 'SEQUENCE_GAP' && heldGap ? withOrigin(r, 'held_gap') : (r as StoredReason),
    ),
  };
  checkTransition(null, scored.status, 'push');
  metrics.siraScore.observe(scored.score);

  const pushAnswer: PushAnswer = {
    status: scored.status,
    sira_score: scored.score,
    reasons: scored.reasons,
    transactions_count: opened.salesCount,
  };
  const totals = opened.totals;
  const nonceTtlMs = Math.max(NONCE_TTL_MS, maxAgeHours * 3_600_000) + MAX_CLOCK_SKEW_MS;
  // The bundle, its sales, its nonce and its queue entry in one statement: four round trips were
  // a third of the push's database time. The foreign keys are checked at the end of the statement,
  // when the bundle row exists. An expired row for this nonce may linger until the purge; the new
  // bundle takes it over. It is sent with the audit append and COMMIT (storeAndCommit), so the push
  // holds no uncommitted write across a round trip (but a customer QR's claim or a held bundle's
  // gap resolved, when there is one): if this server dies before sending it, the database rolls
  // back; once sent, it commits whole and a retry is answered as a duplicate
  // (test/integration/server-kill.integration.test.ts).
  const insert: Statement = {
    text: `WITH ${deviceChangeCte('$2')},
     bundle AS (
       INSERT INTO offline_tx_bundles (bundle_id, device_id, tenant_type, tenant_id, country, signature, nonce,
         server_key_id, seq_from, seq_to, prev_chain_head, chain_head, device_clock, status, sira_score, reasons,
         tx_count, totals, push_answer, received_at, updated_at, last_sale_at, change_seq)
       VALUES ($1::uuid, $2::text, $3, $4, $5, $6, $7::text, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
         $20::timestamptz, $20::timestamptz, $40::timestamptz, (SELECT value FROM change))),
     sales AS (
       INSERT INTO offline_transactions (bundle_id, device_id, status, ${TRANSACTION_COLUMNS}, original_device_id)
       SELECT $1::uuid, $2::text, $21::text, u.* FROM ${transactionUnnest(24, '$43::text[]')} AS u),
     nonce AS (
       INSERT INTO offline_bundle_nonces (device_id, nonce, bundle_id, expires_at)
       VALUES ($2::text, $7::text, $1::uuid, $20::timestamptz + make_interval(secs => $22))
       ON CONFLICT (device_id, nonce) DO UPDATE SET bundle_id = EXCLUDED.bundle_id, expires_at = EXCLUDED.expires_at
       WHERE offline_bundle_nonces.expires_at <= $20::timestamptz),
     days AS (
       INSERT INTO offline_device_days (device_id, day, offline_sales)
       SELECT $2::text, u.day, u.n FROM unnest($41::date[], $42::int[]) AS u(day, n)
       ON CONFLICT (device_id, day) DO UPDATE
       SET offline_sales = offline_device_days.offline_sales + EXCLUDED.offline_sales)
     INSERT INTO offline_reconciliation_queue (device_id, bundle_id) SELECT $2::text, $1::uuid WHERE $23::boolean
     ON CONFLICT (device_id, bundle_id) DO NOTHING`,
    values: [
      envelope.bundle_id,
      envelope.device_id,
      locked.tenant_type,
      locked.tenant_id,
      locked.country,
      envelope.signature,
      envelope.nonce,
      envelope.hpke.server_key_id,
      payload.seq_from,
      payload.seq_to,
      payload.prev_chain_head,
      payload.chain_head,
      envelope.device_clock,
      scored.status,
      scored.score,
      JSON.stringify(scored.reasons),
      opened.salesCount,
      JSON.stringify(totals),
      JSON.stringify(pushAnswer),
      now,
      scored.status === 'accepted' ? 'pending' : 'held',
      nonceTtlMs / 1000,
      scored.status === 'accepted',
      ...opened.columns,
      new Date(opened.facts.latest),
      opened.facts.offlineByDay.map(([day]) => day),
      opened.facts.offlineByDay.map(([, n]) => n),
      // Whose sale each refund or void reverses, as resolved above (refunds.ts); in sales order.
      opened.sales
        ? opened.sales.map((s) =>
            s.original_sale_id ? (refunds.originalDevices?.get(s.original_sale_id) ?? null) : null,
          )
        : new Array<null>(opened.salesCount).fill(null),
    ],
  };

  // A bundle that arrived before this one was held for the gap this one fills: clear that reason.
  if (
    after &&
    after.prev_chain_head === payload.chain_head &&
    (after.status === 'review' || after.status === 'quarantined')
  )
    await resolveGap(client, { ...after, device_id: envelope.device_id }); // the same device's next bundle

  const audit: AuditEntry = {
    actorType: 'device',
    actorId: envelope.device_id,
    action: `bundle.${scored.status}`,
    targetType: 'bundle',
    targetId: envelope.bundle_id,
    details: {
      seq_from: payload.seq_from,
      seq_to: payload.seq_to,
      sales: opened.salesCount,
      totals,
      sira_score: scored.score,
      reasons: scored.reasons.map((r) => r.code),
    },
  };
  if (scored.status === 'accepted') metrics.bundlesAccepted.inc();
  return { response: answer(pushAnswer, envelope.bundle_id, false, now), insert, audit };
}

/**
 * `work` begins the transaction, reads and checks; then its INSERT, the audit append and COMMIT go
 * in one simple-protocol query. The append takes the audit chain's global lock, which every push
 * and worker waits for; with COMMIT in the same query the database commits as soon as the append is
 * done, without a round trip to this (busy) event loop in between.
 */
async function storeAndCommit(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<Stored>,
): Promise<Stored> {
  return withClient(pool, async (client) => {
    const result = await work(client);
    await commitWith(client, [
      ...(result.insert ? [result.insert] : []),
      ...(result.audit ? [auditStatement(result.audit)] : []),
    ]);
    return result;
  });
}

export async function enqueue(client: pg.PoolClient, deviceId: string, bundleId: string): Promise<void> {
  await client.query(
    `INSERT INTO offline_reconciliation_queue (device_id, bundle_id) VALUES ($1, $2)
     ON CONFLICT (device_id, bundle_id) DO NOTHING`,
    [deviceId, bundleId],
  );
}

/**
 * The held bundle `held` follows the one just stored, which continues its chain: its sequence gap
 * is gone. Its score is recomputed without that reason; accepted now means queued now.
 */
async function resolveGap(
  client: pg.PoolClient,
  held: Pick<BundleRow, 'bundle_id' | 'device_id' | 'status' | 'reasons'>,
): Promise<void> {
  const reasons = withoutOrigin(held.reasons, 'held_gap');
  if (reasons.length === held.reasons.length) return;
  const { score, status } = await rescore(client, held, reasons, 'gap_resolved');
  if (status === 'accepted') {
    await client.query(
      `UPDATE offline_transactions SET status = 'pending' WHERE device_id = $1 AND bundle_id = $2`,
      [held.device_id, held.bundle_id],
    );
    await enqueue(client, held.device_id, held.bundle_id);
  }
  await appendAudit(client, {
    actorType: 'system',
    // The device's push appends to the device's chain in this transaction: one chain, one lock.
    chain: auditChain({ actorType: 'device', actorId: held.device_id }),
    action: 'bundle.gap_resolved',
    targetType: 'bundle',
    targetId: held.bundle_id,
    // A bundle is (device_id, bundle_id): the target alone does not say whose.
    details: { device_id: held.device_id, from: held.status, to: status, sira_score: score },
  });
}
