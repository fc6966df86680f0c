import QRCode from 'qrcode';
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { CardDataFilter, isCardData } from './card-data-filter';
import { posErrorText, useMoney } from './format';
import { TILL_KEYS } from './shortcuts';
import { PAYMENT_QR_PREFIX, useHardwareEvents } from '../hardware/useHardwareEvents';

/** A customer's payment QR the core has verified: the only way a QR tender gets into the cart. */
export interface QrPayment {
  /** What the sale's QR tender names: capture refuses a QR the core did not verify. */
  verificationId: string;
  amountMinor: number;
  payerRef: string;
  issuerName: string;
  /** False for a QR quoting no request of this till: the server holds its sale for review (#16). */
  payeeBound: boolean;
}

/** What the core attaches to QR_AMOUNT_MISMATCH (protocol/qr/token.ts). */
interface MismatchDetails {
  qrAmountMinor?: number;
  qrCurrency?: string;
}

interface ShownRequest {
  image: string;
  ref: string;
  amountMinor: number;
  expiresAt: string;
}

/**
 * The QR tender. The till shows a payment-request QR for what is left to pay (signed by the
 * device); the customer's payment QR, scanned by the scanner or pasted here, goes to the core's
 * `pos.qr.verify` (issuer key, signature, expiry, amount, single use) before it counts as paid.
 */
export function QrTender({
  currency,
  dueMinor,
  payment,
  onChange,
}: {
  currency: string;
  /** What the QR must pay: the total less the other non-cash tenders. */
  dueMinor: number;
  payment: QrPayment | null;
  onChange: (payment: QrPayment | null) => void;
}) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const ids = useId();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [shown, setShown] = useState<ShownRequest | null>(null);
  // A keyboard-wedge reader may type a card's tracks here too: they are dropped, never verified.
  const cardFilter = useRef(new CardDataFilter()).current;
  const discardCardData = () => {
    setText('');
    setError(t('errorCodes.CARD_DATA_DISCARDED'));
  };
  const type = (value: string) => {
    const kept = cardFilter.accept(value);
    if (kept === null) discardCardData();
    else setText(kept);
  };

  const verify = async (scanned: string) => {
    const candidate = scanned.trim();
    if (!candidate || busy) return;
    if (isCardData(candidate)) return discardCardData();
    setBusy(true);
    setError(undefined);
    try {
      const verified = await api.call('pos.qr.verify', { text: candidate, dueMinor });
      onChange({
        verificationId: verified.verificationId,
        amountMinor: verified.amountMinor,
        payerRef: verified.payerRef,
        issuerName: verified.issuerName,
        payeeBound: verified.payeeBound,
      });
      setText('');
      setShown(null);
    } catch (caught) {
      setError(qrErrorText(caught));
    } finally {
      setBusy(false);
    }
  };

  /** A refusal in words; an amount mismatch also says both amounts. */
  const qrErrorText = (caught: unknown): string => {
    const base = posErrorText(t, caught, money, currency);
    const { code, details } = (caught ?? {}) as { code?: unknown; details?: MismatchDetails };
    if (code !== 'QR_AMOUNT_MISMATCH' || typeof details?.qrAmountMinor !== 'number') return base;
    const qr = money(details.qrAmountMinor, details.qrCurrency ?? currency);
    return `${base} (${t('qrTender.mismatchFacts', { qr, due: money(dueMinor, currency) })})`;
  };

  const showRequest = async () => {
    setError(undefined);
    try {
      const request = await api.call('pos.qr.request', { amountMinor: dueMinor });
      const image = await QRCode.toDataURL(request.text, {
        errorCorrectionLevel: 'M',
        margin: 2,
        width: 240,
      });
      setShown({ image, ref: request.ref, amountMinor: request.amountMinor, expiresAt: request.expiresAt });
    } catch (caught) {
      setError(posErrorText(t, caught, money, currency));
    }
  };

  // A scanner reading the customer's phone ends in the same verification as a paste.
  useHardwareEvents((event) => {
    if (event.type === 'scan' && event.text.startsWith(PAYMENT_QR_PREFIX) && !payment)
      void verify(event.text);
  });

  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    cardFilter.key(event);
    if (event.key === 'Escape') cardFilter.end();
    if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      if (!cardFilter.end()) void verify(text);
    }
  };

  return (
    <details open={payment !== null || shown !== null || undefined} data-testid="qr-tender">
      <summary aria-keyshortcuts={TILL_KEYS.qr}>
        {t('pos.qr')} <kbd>{TILL_KEYS.qr}</kbd>
      </summary>
      {payment ? (
        <div className="row">
          <p className="ok" data-testid="qr-accepted">
            {t('qrTender.accepted', {
              amount: money(payment.amountMinor, currency),
              issuer: payment.issuerName,
              payer: payment.payerRef,
            })}
          </p>
          {payment.payeeBound ? null : (
            <p className="muted" data-testid="qr-unbound">
              {t('qrTender.unbound')}
            </p>
          )}
          <button type="button" className="small secondary" onClick={() => onChange(null)}>
            {t('qrTender.remove')}
          </button>
        </div>
      ) : (
        <>
          <p className="hint">{t('qrTender.due', { amount: money(dueMinor, currency) })}</p>
          <button
            type="button"
            className="secondary"
            disabled={dueMinor <= 0}
            onClick={() => void showRequest()}
          >
            {t('qrTender.show')}
          </button>
          {shown && (
            <figure className="qr-request">
              <img
                src={shown.image}
                width={240}
                height={240}
                data-testid="qr-request"
                alt={t('qrTender.requestAlt', { amount: money(shown.amountMinor, currency) })}
              />
              <figcaption>
                {t('qrTender.requestCaption', {
                  ref: shown.ref,
                  time: new Date(shown.expiresAt).toLocaleTimeString(i18n.language, { timeStyle: 'short' }),
                })}
              </figcaption>
            </figure>
          )}
          <label htmlFor={`${ids}-scan`}>{t('qrTender.scan')}</label>
          <div className="row">
            <input
              id={`${ids}-scan`}
              value={text}
              onChange={(e) => type(e.target.value)}
              onKeyDown={onKey}
              autoComplete="off"
              spellCheck={false}
              maxLength={4096}
              aria-describedby={`${ids}-scan-hint`}
            />
            <button type="button" disabled={busy || !text.trim()} onClick={() => void verify(text)}>
              {busy ? t('qrTender.verifying') : t('qrTender.verify')}
            </button>
          </div>
          <p className="hint" id={`${ids}-scan-hint`}>
            {t('qrTender.scanHint')}
          </p>
        </>
      )}
      {error && (
        <p role="alert" className="error-message" data-testid="qr-error">
          {error}
        </p>
      )}
    </details>
  );
}
