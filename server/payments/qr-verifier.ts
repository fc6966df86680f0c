import type { KeyObject } from 'node:crypto';
import type { Sale } from '../../protocol/bundle';
import { importPublicKey } from '../../protocol/crypto/ed25519';
import {
  decodeSigned,
  QrError,
  verifyTokenSignature,
  type IssuerKey,
  type PaymentToken,
  type QrErrorCode,
} from '../../protocol/qr';
import type { Queryable } from '../db/tx';

export type StoredIssuerKey = IssuerKey & { active: boolean };

/** Every issuer key registered, withdrawn ones too. */
export async function issuerKeys(db: Queryable): Promise<StoredIssuerKey[]> {
  const { rows } = await db.query<StoredIssuerKey>(
    'SELECT issuer_id, key_id, name, public_key, active FROM qr_issuer_keys',
  );
  return rows;
}

/** What a QR text verified as: its token and its signature's spelling, or why it did not. */
type Verdict = { token: PaymentToken; signature: string } | QrError;

/**
 * Verdicts made elsewhere (a bundle open thread, open-worker.ts) against the keys of `keys`
 * (keysFingerprint): plain data, as a thread hands it over.
 */
export interface QrVerdicts {
  keys: string;
  verdicts: [
    text: string,
    verdict:
      | { token: PaymentToken; signature: string }
      | { error: { code: QrErrorCode; message: string; details?: Record<string, unknown> } },
  ][];
}

/**
 * What a verdict depends on: each key's issuer, id and public key (not whether it is withdrawn,
 * which checkQrTokens reads from the keys themselves).
 */
export function keysFingerprint(keys: readonly IssuerKey[]): string {
  return JSON.stringify(
    keys
      .map((k) => [k.issuer_id, k.key_id, k.public_key])
      .sort((a, b) => (a.join('\n') < b.join('\n') ? -1 : 1)),
  );
}

/** The QR texts of a bundle's QR tenders (sales only: a void or refund repeats its original's). */
export function qrTexts(sales: readonly Sale[]): string[] {
  const texts = new Set<string>();
  for (const sale of sales)
    if (sale.kind === 'sale')
      for (const t of sale.tenders) if (t.qr?.text !== undefined) texts.add(t.qr.text);
  return [...texts];
}

/**
 * One push's QR verification: the issuer keys read once, each key imported once, each QR text's
 * signature verified once. Both claimQrUses (who may claim a QR) and checkQrTokens (what is scored)
 * ask about every QR tender of the bundle; verifying each Ed25519 signature twice, importing the
 * issuer key each time, was 40 % of the push's event-loop time in `npm run bench -- ingest` (a third
 * of its bundles paid by QR, ~93 µs a verification on the build machine). The answers are exactly
 * verifyTokenSignature's against the keys this verifier holds, which the push reads in its
 * transaction: verdicts an open thread made against other keys (a key added, withdrawn or replaced
 * since) are not adopted, and each QR is verified here again.
 */
export class QrVerifier {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly imported = new Map<string, KeyObject>();

  constructor(
    readonly keys: readonly StoredIssuerKey[],
    adopt?: QrVerdicts,
  ) {
    if (!adopt || adopt.keys !== keysFingerprint(keys)) return;
    for (const [text, v] of adopt.verdicts)
      this.verdicts.set(text, 'error' in v ? new QrError(v.error.code, v.error.message, v.error.details) : v);
  }

  static async load(db: Queryable, adopt?: QrVerdicts): Promise<QrVerifier> {
    return new QrVerifier(await issuerKeys(db), adopt);
  }

  /** verifyTokenSignature(text, keys): the token, or the QrError it throws. */
  verify(text: string): PaymentToken {
    const verdict = this.verdict(text);
    if (verdict instanceof QrError) throw verdict;
    return verdict.token;
  }

  /** The QR's signature as base64url, once `verify` answered a token. */
  signature(text: string): string {
    const verdict = this.verdict(text);
    if (verdict instanceof QrError) throw verdict;
    return verdict.signature;
  }

  /**
   * The token of a QR tender when its text verifies and is the QR the tender names (same
   * signature); null otherwise.
   */
  tenderToken(qr: { text?: string | undefined; signature: string }): PaymentToken | null {
    if (qr.text === undefined) return null;
    const verdict = this.verdict(qr.text);
    return !(verdict instanceof QrError) && verdict.signature === qr.signature ? verdict.token : null;
  }

  /** Every verdict, as plain data another thread can hand over. */
  export(texts: readonly string[]): QrVerdicts {
    return {
      keys: keysFingerprint(this.keys),
      verdicts: texts.map((text) => {
        const v = this.verdict(text);
        return [
          text,
          v instanceof QrError
            ? { error: { code: v.code, message: v.message, ...(v.details ? { details: v.details } : {}) } }
            : v,
        ];
      }),
    };
  }

  private verdict(text: string): Verdict {
    let verdict = this.verdicts.get(text);
    if (verdict === undefined) {
      try {
        const token = verifyTokenSignature(text, this.keys, (encoded) => this.importKey(encoded));
        verdict = { token, signature: decodeSigned(text).signature.toString('base64url') };
      } catch (error) {
        if (!(error instanceof QrError)) throw error;
        verdict = error;
      }
      this.verdicts.set(text, verdict);
    }
    return verdict;
  }

  private importKey(encoded: string): KeyObject {
    let key = this.imported.get(encoded);
    if (!key) {
      key = importPublicKey(encoded); // a failure is not kept: verifyTokenSignature answers it
      this.imported.set(encoded, key);
    }
    return key;
  }
}
