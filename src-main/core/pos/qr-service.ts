import { randomUUID, type KeyObject } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { ApiError } from '../../../protocol/api';
import { newRequestNonce } from '../../../protocol/licence';
import {
  decodeSigned,
  IssuerKeyList,
  PaymentToken,
  QR_CLOCK_SKEW_MS,
  QrError,
  verifyPaymentToken,
  type IssuerKey,
} from '../../../protocol/qr';
import { IssuerListAnswer } from '../../../protocol/qr/issuer-list';
import type { EnrollmentRecord } from '../device/enrollment-store';
import { callRoute, terminalPaymentRequest, type DeviceIdentity } from '@outpost/terminal-sdk';
import { checkIssuerListStatement } from './qr-issuer-statement';
import type { AuditDoc, SettingDoc } from '../store/schemas/index';
import {
  NONCE_PREFIX,
  recordExpiry,
  verificationIdOf,
  verificationKey,
  type QrVerification,
} from './qr-verifications';
import { SerialQueue } from './serial';

/**
 * Payment QR codes at the till (docs/protocol.md, "Payment QR codes"): the signed request the till
 * shows, and the check of a customer's payment QR before its tender is accepted. Issuer keys come
 * from the server (GET /offline/qr/issuers) and are kept in the store, so a QR is verified offline
 * too; every accepted nonce is kept in the store until well after its QR expires, so a copy of a
 * QR is refused even after a restart.
 */

export const ISSUERS_KEY = 'pos.qr.issuers';
/**
 * The payment requests this till showed, by ref, until they expire: a token quoting a request is
 * accepted only when the request is one of these (issue #16, ninth pass M-2).
 */
const REQUEST_PREFIX = 'pos.qr.request.';
/** Kept a day past expiry: a till whose clock is wound back still recognises a used QR. */
const NONCE_GRACE_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface QrDeps {
  settings: RxCollection<SettingDoc>;
  audit: RxCollection<AuditDoc>;
  identity: () => Promise<DeviceIdentity>;
  /** The server key the issuer list's statement must verify against (trust/server-key.ts). */
  serverKey: () => Promise<KeyObject>;
  enrollment: () => EnrollmentRecord;
  currency: () => string;
  serverUrl: () => string;
  online: () => boolean;
  now?: () => number;
}

export interface QrRequestView {
  text: string;
  ref: string;
  amountMinor: number;
  currency: string;
  expiresAt: string;
}

export interface VerifiedQrPayment {
  verificationId: string;
  issuerId: string;
  issuerName: string;
  payerRef: string;
  amountMinor: number;
  currency: string;
  expiresAt: string;
  /** The token quotes this till's own request (see protocol/api/qr.ts). */
  payeeBound: boolean;
}

export class QrService {
  private readonly queue = new SerialQueue();
  private readonly now: () => number;
  private prunedAt = 0;

  constructor(private readonly deps: QrDeps) {
    this.now = deps.now ?? Date.now;
  }

  private requirePos(): EnrollmentRecord {
    const record = this.deps.enrollment();
    if (record.enrollment.state !== 'enrolled' || record.enrollment.mode !== 'pos')
      throw new ApiError(
        'NOT_ENROLLED',
        'This terminal is not enrolled as a till: enroll it before taking payments.',
      );
    return record;
  }

  /**
   * A signed payment-request QR for the amount due, in the till's currency. Its ref names this till
   * and is unguessable (protocol/qr/request-ref.ts), and is kept until it expires.
   */
  async request(amountMinor: number): Promise<QrRequestView> {
    const record = this.requirePos();
    const identity = await this.deps.identity();
    const { text, request } = terminalPaymentRequest({
      record,
      identity,
      amountMinor,
      currency: this.deps.currency(),
      now: this.now(),
    });
    await this.deps.settings.upsert({
      key: `${REQUEST_PREFIX}${request.ref}`,
      value: JSON.stringify({ expiresAt: Date.parse(request.expires_at) }),
      updatedAt: this.now(),
    });
    return {
      text,
      ref: request.ref,
      amountMinor: request.amount_minor,
      currency: request.currency,
      expiresAt: request.expires_at,
    };
  }

  async cachedIssuers(): Promise<IssuerKey[]> {
    const doc = await this.deps.settings.findOne(ISSUERS_KEY).exec();
    if (!doc) return [];
    const parsed = IssuerKeyList.safeParse(JSON.parse(doc.value));
    return parsed.success ? parsed.data.issuers : [];
  }

  /**
   * Pulls the issuer keys from the server and keeps them; answers what is kept. Kept only when the
   * server's statement for this request covers them (qr-issuer-statement.ts): otherwise the keys
   * kept before stay, the refusal is audited and thrown (QR_ISSUERS_UNVERIFIED), and the sync
   * round that asked shows it in the sync status.
   */
  async refreshIssuers(): Promise<IssuerKey[]> {
    this.requirePos();
    const identity = await this.deps.identity();
    const requestNonce = newRequestNonce();
    const answer = await callRoute(this.deps.serverUrl(), 'listQrIssuers', {
      query: new URLSearchParams({ request_nonce: requestNonce }),
      device: { deviceId: identity.deviceId, key: identity.signingKey },
      response: IssuerListAnswer,
    });
    try {
      checkIssuerListStatement(answer, {
        serverKey: await this.deps.serverKey(),
        deviceId: identity.deviceId,
        requestNonce,
      });
    } catch (error) {
      if (error instanceof ApiError) await this.audit('qr.issuers.refused', { message: error.message });
      throw error;
    }
    await this.deps.settings.upsert({
      key: ISSUERS_KEY,
      value: JSON.stringify({ issuers: answer.issuers }),
      updatedAt: this.now(),
    });
    return answer.issuers;
  }

  /** Whether this QR's nonce was accepted before; looked up by key, before anything is trusted. */
  private async used(text: string): Promise<boolean> {
    let token: PaymentToken;
    try {
      const parsed = PaymentToken.safeParse(decodeSigned(text).json);
      if (!parsed.success) return false;
      token = parsed.data;
    } catch {
      return false; // verifyPaymentToken says why
    }
    return (
      (await this.deps.settings
        .findOne(verificationKey(verificationIdOf(token.issuer_id, token.nonce)))
        .exec()) !== null
    );
  }

  private async prune(now: number): Promise<void> {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    const docs = await this.deps.settings
      .find({ selector: { key: { $gte: NONCE_PREFIX, $lt: `${NONCE_PREFIX}\uffff` } } })
      .exec();
    const stale = docs.filter((d) => recordExpiry(d.value) + NONCE_GRACE_MS < now).map((d) => d.key);
    const requests = await this.deps.settings
      .find({ selector: { key: { $gte: REQUEST_PREFIX, $lt: `${REQUEST_PREFIX}\uffff` } } })
      .exec();
    stale.push(
      ...requests.filter((d) => this.requestExpiry(d.value) + NONCE_GRACE_MS < now).map((d) => d.key),
    );
    if (stale.length > 0) await this.deps.settings.bulkRemove(stale);
  }

  private requestExpiry(value: string): number {
    return (JSON.parse(value) as { expiresAt: number }).expiresAt;
  }

  /**
   * A token quoting a payment request pays the till that showed it: refused unless the request is
   * one this till made and it was still open when the token was issued (clock skew allowed). A
   * token quoting none is taken, not refused (a customer's wallet may not scan), but flagged
   * (`payeeBound: false`): the server holds such a sale for review (#16, tenth pass M-2).
   */
  private async assertOurRequest(token: PaymentToken): Promise<void> {
    if (token.request_ref === undefined) return;
    const doc = await this.deps.settings.findOne(`${REQUEST_PREFIX}${token.request_ref}`).exec();
    if (doc && Date.parse(token.created_at) <= this.requestExpiry(doc.value) + QR_CLOCK_SKEW_MS) return;
    throw new QrError(
      'QR_WRONG_PAYEE',
      'This payment QR code pays another till’s request: ask the customer to scan this till’s QR code.',
    );
  }

  private async audit(type: string, data: Record<string, unknown>): Promise<void> {
    await this.deps.audit.insert({
      id: randomUUID(),
      at: this.now(),
      type,
      actor: 'cashier',
      data: JSON.stringify(data),
    });
  }

  /**
   * Verifies a scanned or pasted customer payment QR against what is due (null: the QR's amount is
   * the tender) and, once it passes, keeps it (qr-verifications.ts): the same QR is refused from
   * then on, and the answer's verificationId is what a QR tender of `pos.sale.capture` must name.
   * One at a time, so a double scan cannot pass twice.
   */
  verify(text: string, dueMinor: number | null): Promise<VerifiedQrPayment> {
    return this.queue.run(async () => {
      this.requirePos();
      const now = this.now();
      await this.prune(now);
      const used = await this.used(text);
      const check = (issuers: IssuerKey[]) =>
        verifyPaymentToken(text, {
          issuers,
          now,
          due: { amountMinor: dueMinor, currency: this.deps.currency() },
          seen: () => used,
        });
      let issuers = await this.cachedIssuers();
      let token: PaymentToken;
      try {
        try {
          token = check(issuers);
        } catch (error) {
          // A new issuer (or a rotated key) is learnt from the server when it can be reached.
          if (!(error instanceof QrError) || error.code !== 'QR_ISSUER_UNKNOWN' || !this.deps.online())
            throw error;
          issuers = await this.refreshIssuers().catch(() => issuers);
          token = check(issuers);
        }
        await this.assertOurRequest(token);
      } catch (error) {
        if (error instanceof QrError) {
          await this.audit('qr.refused', { code: error.code });
          throw new ApiError(error.code, error.message, error.details);
        }
        throw error;
      }
      const verificationId = verificationIdOf(token.issuer_id, token.nonce);
      const record: QrVerification = {
        expiresAt: Date.parse(token.expires_at),
        issuerId: token.issuer_id,
        keyId: token.key_id,
        nonce: token.nonce,
        payerRef: token.payer_ref,
        amountMinor: token.amount_minor,
        currency: token.currency,
        signature: decodeSigned(text).signature.toString('base64url'),
        token: text.trim(),
      };
      await this.deps.settings.insert({
        key: verificationKey(verificationId),
        value: JSON.stringify(record),
        updatedAt: now,
      });
      await this.audit('qr.accepted', {
        issuerId: token.issuer_id,
        keyId: token.key_id,
        payerRef: token.payer_ref,
        amountMinor: token.amount_minor,
        currency: token.currency,
      });
      return {
        verificationId,
        issuerId: token.issuer_id,
        issuerName: issuers.find((k) => k.issuer_id === token.issuer_id)?.name ?? token.issuer_id,
        payerRef: token.payer_ref,
        amountMinor: token.amount_minor,
        currency: token.currency,
        expiresAt: token.expires_at,
        // assertOurRequest refused any ref that is not one of ours; none left is unbound.
        payeeBound: token.request_ref !== undefined,
      };
    });
  }
}
