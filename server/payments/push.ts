import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import {
  BundleEnvelope,
  BundleError,
  DEFAULT_MAX_BUNDLE_AGE_HOURS,
  MAX_CLOCK_SKEW_MS,
  NONCE_TTL_MS,
  saleHash,
} from '../../protocol/bundle';
import { importPublicKey } from '../../protocol/crypto';
import {
  PAYMENT_ERROR_STATUS,
  PaymentErrorCode,
  type PushResponse,
  type ScoreReason,
} from '../../protocol/http';
import { appendAudit, auditStatement, type ActorType, type AuditEntry } from '../audit/chain';
import { withTransaction } from '../db/tx';
import { findDevice } from '../devices/store';
import { HttpError, validationIssues } from '../http/errors';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import { policyFor } from '../policies/store';
import { openForServer, rawX25519Private, type ServerOpenedBundle } from './open';
import { checkRefunds } from './refunds';
import { claimQrUses } from './qr-uses';
import { combine, scoreBundle, statusFor } from './score';
import { readPushState } from './push-state';
import {
  saleTotals,
  TRANSACTION_COLUMNS,
  transactionArrays,
  transactionUnnest,
  type BundleRow,
  type PushAnswer,
} from './store';

export interface PushDeps {
  pool: pg.Pool;
  logger: Logger;
  /** The server's X25519 private key (server/keys). */
  hpkePrivateKey: KeyObject;
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

/** Duplicate-key races that the retry turns into a duplicate answer or a conflict. */
const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (err: unknown) =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION;

export function createPushService(deps: PushDeps) {
  const serverPrivateKey = rawX25519Private(deps.hpkePrivateKey);
  /**
   * Parsing the device's PEM was ~2 % of a push's CPU time. Keyed by the PEM itself, so a re-keyed
   * device gets a new entry; revocation is still read from the database on every push. Cleared when
   * full: a fleet larger than the bound only pays the parse again.
   */
  const deviceKeys = new Map<string, KeyObject>();
  const devicePublicKeyFor = (pem: string): KeyObject => {
    let key = deviceKeys.get(pem);
    if (!key) {
      key = importPublicKey(pem);
      if (deviceKeys.size >= 50_000) deviceKeys.clear();
      deviceKeys.set(pem, key);
    }
    return key;
  };

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
    let actor: { type: ActorType; id: string } = { type: 'anonymous', id: envelope.device_id };
    try {
      const device = await findDevice(deps.pool, envelope.device_id);
      if (!device || device.status !== 'active')
        throw reject(PaymentErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
      let devicePublicKey: KeyObject;
      try {
        devicePublicKey = devicePublicKeyFor(device.pubkey_pem);
      } catch (err) {
        throw new Error(`device ${device.device_id} has an unusable public key`, { cause: err });
      }
      let opened;
      try {
        opened = await openForServer(envelope, { devicePublicKey, serverPrivateKey });
      } catch (err) {
        if (err instanceof BundleError)
          throw reject(err.code as PaymentErrorCode, err.message, {
            ...(err.details && 'field' in err.details ? { field: err.details.field } : {}),
          });
        throw err;
      }
      // From here the device's signature has verified: the device is the actor.
      actor = { type: 'device', id: device.device_id };
      const { payload } = opened;
      if (new Set(payload.sales.map((s) => s.sale_id)).size !== payload.sales.length)
        throw reject(PaymentErrorCode.INVALID_BUNDLE, 'a sale_id appears twice in the bundle');

      // Two attempts: a unique violation means a concurrent push stored something this one could
      // not see yet; on the retry the device lock and the lookups see it and answer accordingly.
      for (let attempt = 1; ; attempt++) {
        try {
          return (await storeAndCommit(deps.pool, (client) => store(client, opened, device, now()))).response;
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          if (attempt >= 2)
            throw reject(PaymentErrorCode.SEQUENCE_CONFLICT, 'Sales of this bundle are already stored', {
              constraint: (err as { constraint?: string }).constraint ?? null,
            });
        }
      }
    } catch (err) {
      if (err instanceof PushRejected) {
        metrics.bundlesRejected.inc({ reason: err.code });
        await withTransaction(deps.pool, (client) =>
          appendAudit(client, {
            actorType: actor.type,
            actorId: actor.id,
            action: 'bundle.rejected',
            targetType: 'bundle',
            targetId: envelope.bundle_id,
            details: { code: err.code, device_id: envelope.device_id, ...err.auditDetails },
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

type Opened = ServerOpenedBundle;
type Device = NonNullable<Awaited<ReturnType<typeof findDevice>>>;

function answer(a: PushAnswer, bundleId: string, duplicate: boolean, now: Date): PushResponse {
  return { success: true, bundle_id: bundleId, ...a, duplicate, server_time: now.toISOString() };
}

/**
 * Everything after the signature: one transaction, serialised per device by a row lock. The audit
 * entry is returned, not written: the caller appends it last and commits right behind it.
 */
async function store(
  client: pg.PoolClient,
  opened: Opened,
  device: Device,
  now: Date,
): Promise<{ response: PushResponse; audit: AuditEntry | null }> {
  const { envelope, payload } = opened;
  const locked = await findDevice(client, device.device_id, true);
  if (!locked || locked.status !== 'active')
    throw reject(PaymentErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');

  // Everything the checks below read, in one round trip (the device lock above comes first, so a
  // concurrent push of this device has committed or not started).
  const days = payload.sales.map((s) => s.created_at.slice(0, 10)).sort();
  const state = await readPushState(client, {
    bundleId: envelope.bundle_id,
    deviceId: envelope.device_id,
    nonce: envelope.nonce,
    now,
    seqFrom: payload.seq_from,
    seqTo: payload.seq_to,
    saleIds: payload.sales.map((s) => s.sale_id),
    firstDay: days[0]!,
    lastDay: days[days.length - 1]!,
  });

  // Idempotency first: a re-sent bundle gets its first answer whatever the clock says now.
  const existing = state.existing;
  if (existing) {
    if (existing.device_id === envelope.device_id && existing.signature === envelope.signature)
      return { response: answer(existing.push_answer, existing.bundle_id, true, now), audit: null };
    throw reject(PaymentErrorCode.BUNDLE_ID_REUSED, 'bundle_id already used for other content');
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

  const policy = await policyFor(client, locked.country);
  if (policy && !policy.enabled)
    throw reject(PaymentErrorCode.POLICY_DISABLED, `Offline payments are disabled for ${policy.country}`);
  const maxAgeHours = policy?.max_bundle_age_hours ?? DEFAULT_MAX_BUNDLE_AGE_HOURS;
  const oldest = Math.min(...payload.sales.map((s) => Date.parse(s.created_at)));
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
  if (state.knownSale)
    throw reject(PaymentErrorCode.SEQUENCE_CONFLICT, 'A sale of this bundle is already stored');

  const before = state.previous;
  const heldUpTo = before ? Number(before.seq_to) : 0;
  const gaps: string[] = [];
  const breaks: string[] = [];
  if (heldUpTo + 1 < payload.seq_from)
    gaps.push(`server holds sales up to ${heldUpTo}; bundle starts at ${payload.seq_from}`);
  else if (before && before.chain_head !== payload.prev_chain_head)
    breaks.push(`prev_chain_head is not the chain head of sale ${heldUpTo} held by the server`);
  if (opened.innerChain?.code === 'SEQUENCE_GAP') gaps.push(`inside the bundle: ${opened.innerChain.detail}`);
  if (opened.innerChain?.code === 'CHAIN_BROKEN')
    breaks.push(`inside the bundle: ${opened.innerChain.detail}`);

  const after = state.following;
  if (after && after.prev_chain_head !== payload.chain_head)
    breaks.push(`the stored bundle ${after.bundle_id} that follows does not continue this chain`);

  const refunds = await checkRefunds(client, payload.sales, locked);
  const qrReuse = await claimQrUses(client, payload.sales);

  const scored = scoreBundle({
    sales: payload.sales,
    policy,
    deviceClock: new Date(envelope.device_clock),
    serverNow: now,
    previousLastSaleAt: before?.last_sale_at ?? null,
    storedOfflineCountByDay: state.offlineCountByDay,
    sequenceGap: gaps.length > 0 ? gaps.join('; ') : null,
    chainBreak: breaks.length > 0 ? breaks.join('; ') : null,
    invalidSales: opened.invalidSales,
    refunds,
    qrReuse,
  });
  metrics.siraScore.observe(scored.score);

  const pushAnswer: PushAnswer = {
    status: scored.status,
    sira_score: scored.score,
    reasons: scored.reasons,
    transactions_count: payload.sales.length,
  };
  const totals = saleTotals(payload.sales);
  const nonceTtlMs = Math.max(NONCE_TTL_MS, maxAgeHours * 3_600_000) + MAX_CLOCK_SKEW_MS;
  // The bundle, its sales, its nonce and its queue entry in one statement: four round trips were
  // a third of the push's database time. The foreign keys are checked at the end of the statement,
  // when the bundle row exists. An expired row for this nonce may linger until the purge; the new
  // bundle takes it over.
  await client.query(
    `WITH bundle AS (
       INSERT INTO offline_tx_bundles (bundle_id, device_id, tenant_type, tenant_id, country, signature, nonce,
         server_key_id, seq_from, seq_to, prev_chain_head, chain_head, device_clock, status, sira_score, reasons,
         tx_count, totals, push_answer, received_at, updated_at)
       VALUES ($1::uuid, $2::text, $3, $4, $5, $6, $7::text, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
         $20::timestamptz, $20::timestamptz)),
     sales AS (
       INSERT INTO offline_transactions (bundle_id, device_id, status, ${TRANSACTION_COLUMNS})
       SELECT $1::uuid, $2::text, $21::text, u.* FROM ${transactionUnnest(24)} AS u),
     nonce AS (
       INSERT INTO offline_bundle_nonces (device_id, nonce, bundle_id, expires_at)
       VALUES ($2::text, $7::text, $1::uuid, $20::timestamptz + make_interval(secs => $22))
       ON CONFLICT (device_id, nonce) DO UPDATE SET bundle_id = EXCLUDED.bundle_id, expires_at = EXCLUDED.expires_at
       WHERE offline_bundle_nonces.expires_at <= $20::timestamptz)
     INSERT INTO offline_reconciliation_queue (bundle_id) SELECT $1::uuid WHERE $23::boolean
     ON CONFLICT (bundle_id) DO NOTHING`,
    [
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
      payload.sales.length,
      JSON.stringify(totals),
      JSON.stringify(pushAnswer),
      now,
      scored.status === 'accepted' ? 'pending' : 'held',
      nonceTtlMs / 1000,
      scored.status === 'accepted',
      ...transactionArrays(
        payload.sales,
        saleHashes(opened),
        new Set(opened.invalidSales.map((s) => s.sale_id)),
      ),
    ],
  );

  // A bundle that arrived before this one was held for the gap this one fills: clear that reason.
  if (
    after &&
    after.prev_chain_head === payload.chain_head &&
    (after.status === 'review' || after.status === 'quarantined')
  )
    await resolveGap(client, after);

  const audit: AuditEntry = {
    actorType: 'device',
    actorId: envelope.device_id,
    action: `bundle.${scored.status}`,
    targetType: 'bundle',
    targetId: envelope.bundle_id,
    details: {
      seq_from: payload.seq_from,
      seq_to: payload.seq_to,
      sales: payload.sales.length,
      totals,
      sira_score: scored.score,
      reasons: scored.reasons.map((r) => r.code),
    },
  };
  if (scored.status === 'accepted') metrics.bundlesAccepted.inc();
  return { response: answer(pushAnswer, envelope.bundle_id, false, now), audit };
}

/**
 * BEGIN, store, then the audit append and COMMIT sent together. The append takes the audit
 * chain's global lock, which every push and worker waits for; COMMIT queued behind it goes out as
 * soon as the append answers, without waiting for this event loop to get back to us, so the lock is
 * held for about one database round trip.
 */
async function storeAndCommit(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<{ response: PushResponse; audit: AuditEntry | null }>,
): Promise<{ response: PushResponse; audit: AuditEntry | null }> {
  const client = await pool.connect();
  let ended = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    const appended = result.audit ? client.query(auditStatement(result.audit)) : Promise.resolve(undefined);
    const commit = client.query('COMMIT');
    const [a, c] = await Promise.allSettled([appended, commit]);
    ended = true;
    // After a failed append the COMMIT ends the aborted transaction as a rollback.
    if (a.status === 'rejected') throw a.reason;
    if (c.status === 'rejected') throw c.reason;
    if (c.value.command !== 'COMMIT') throw new Error(`push transaction ended with ${c.value.command}`);
    return result;
  } catch (err) {
    if (!ended) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * When the chain inside the bundle verified, each sale's hash is already known: it is the next
 * sale's prev_hash, and the last one's is chain_head. Hashing 100 sales again (canonical JSON +
 * SHA-256) was a tenth of a push's CPU time.
 */
function saleHashes(opened: Opened): string[] {
  const { sales, chain_head } = opened.payload;
  if (opened.innerChain) return sales.map(saleHash);
  return sales.map((_, i) => (i + 1 < sales.length ? sales[i + 1]!.prev_hash : chain_head));
}

export async function enqueue(client: pg.PoolClient, bundleId: string): Promise<void> {
  await client.query(
    'INSERT INTO offline_reconciliation_queue (bundle_id) VALUES ($1) ON CONFLICT (bundle_id) DO NOTHING',
    [bundleId],
  );
}

/**
 * The held bundle `held` follows the one just stored, which continues its chain: its sequence gap
 * is gone. Its score is recomputed without that reason; accepted now means queued now.
 */
async function resolveGap(
  client: pg.PoolClient,
  held: Pick<BundleRow, 'bundle_id' | 'status' | 'reasons'>,
): Promise<void> {
  const reasons: ScoreReason[] = held.reasons.filter(
    (r) => !(r.code === 'SEQUENCE_GAP' && r.detail.startsWith('server holds sales up to')),
  );
  if (reasons.length === held.reasons.length) return;
  const score = combine(reasons);
  const status = statusFor(score);
  await client.query(
    `UPDATE offline_tx_bundles SET status = $2, sira_score = $3, reasons = $4, updated_at = now(),
       change_xid = pg_current_xact_id() WHERE bundle_id = $1`,
    [held.bundle_id, status, score, JSON.stringify(reasons)],
  );
  if (status === 'accepted') {
    await client.query(`UPDATE offline_transactions SET status = 'pending' WHERE bundle_id = $1`, [
      held.bundle_id,
    ]);
    await enqueue(client, held.bundle_id);
  }
  await appendAudit(client, {
    actorType: 'system',
    action: 'bundle.gap_resolved',
    targetType: 'bundle',
    targetId: held.bundle_id,
    details: { from: held.status, to: status, sira_score: score },
  });
}
