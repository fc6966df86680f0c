import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMoneyInput } from './use-money-input';
import { TILL_KEYS } from './shortcuts';
import { useHardwareEvents } from '../hardware/useHardwareEvents';

export interface CardFields {
  amount: string;
  /** The approval code the external card terminal printed (six letters or digits). */
  approval: string;
  /** Brand, last four digits and token come from the card reader only, never typed. */
  brand: string;
  last4: string;
  token: string;
}
export const NO_CARD: CardFields = { amount: '', approval: '', brand: '', last4: '', token: '' };

/** What the card terminal prints as its authorisation code (ISO 8583 field 38). */
export const APPROVAL_CODE = /^[A-Z0-9]{6}$/;

/** The card tender as the API takes it: the approval code required, the reader's fields when read. */
export function cardTender(card: CardFields, amountMinor: number) {
  return {
    type: 'card' as const,
    amountMinor,
    approvalCode: card.approval.trim().toUpperCase(),
    ...(card.brand.trim() ? { brand: card.brand.trim() } : {}),
    ...(card.last4.trim() ? { last4: card.last4.trim() } : {}),
    ...(card.token.trim() ? { token: card.token.trim() } : {}),
  };
}

/**
 * The card tender (issue #18): a swipe alone collects nothing. The card is charged on the external
 * card terminal, and the cashier types the approval code it printed; a swipe on the card reader
 * fills the brand, last four digits and the amount due. A bad swipe says why and asks for another.
 */
export function CardTender({
  card,
  onChange,
  currency,
  amountDue,
  amountInvalid,
}: {
  card: CardFields;
  onChange: (card: CardFields) => void;
  currency: string;
  /** What the card should pay when swiped: the amount left after other tenders. */
  amountDue: bigint;
  amountInvalid: boolean;
}) {
  const { t } = useTranslation();
  const { toMajorText } = useMoneyInput();
  const [open, setOpen] = useState(false);
  const [swipe, setSwipe] = useState<{ kind: 'ok' | 'error'; text: string }>();

  useHardwareEvents((event) => {
    if (event.type === 'card') {
      onChange({
        ...card,
        amount: toMajorText(Number(amountDue), currency),
        brand: event.brand,
        last4: event.last4,
        token: event.token ?? '',
      });
      setOpen(true);
      setSwipe({
        kind: 'ok',
        text: t('hardware.cardRead', { brand: event.brand, last4: event.last4 }),
      });
    } else if (event.type === 'bad-swipe') {
      const known = t(`hardware.reasons.${event.reason}`, { defaultValue: '' });
      setOpen(true);
      setSwipe({ kind: 'error', text: t('hardware.swipeAgain', { reason: known || event.message }) });
    }
  });

  return (
    <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="card-tender">
      <summary aria-keyshortcuts={TILL_KEYS.card}>
        {t('pos.card')} <kbd>{TILL_KEYS.card}</kbd>
      </summary>
      <p className="hint">{t('hardware.cardFromReader')}</p>
      {swipe && (
        <p
          role={swipe.kind === 'error' ? 'alert' : 'status'}
          className={swipe.kind === 'error' ? 'error-message' : 'ok'}
          data-testid="card-swipe"
        >
          {swipe.text}
        </p>
      )}
      <label>
        {t('pos.cardAmount')} ({currency})
        <input
          value={card.amount}
          onChange={(e) => onChange({ ...card, amount: e.target.value })}
          inputMode="decimal"
          autoComplete="off"
          aria-invalid={amountInvalid}
        />
      </label>
      <label>
        {t('pos.cardApproval')}
        <input
          value={card.approval}
          onChange={(e) =>
            onChange({
              ...card,
              approval: e.target.value
                .toUpperCase()
                .replace(/[^A-Z0-9]/g, '')
                .slice(0, 6),
            })
          }
          autoComplete="off"
          maxLength={6}
          aria-invalid={card.amount.trim() !== '' && !APPROVAL_CODE.test(card.approval)}
          aria-describedby="card-approval-hint"
        />
      </label>
      <p className="hint" id="card-approval-hint">
        {t('pos.cardApprovalHint')}
      </p>
      {card.last4 && (
        <p className="hint" data-testid="card-read">
          {t('pos.cardFromReader', { brand: card.brand, last4: card.last4 })}
        </p>
      )}
    </details>
  );
}
