import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toMajorText } from './money-input';
import { TILL_KEYS } from './shortcuts';
import { useHardwareEvents } from '../hardware/useHardwareEvents';

export interface CardFields {
  amount: string;
  brand: string;
  last4: string;
  token: string;
}
export const NO_CARD: CardFields = { amount: '', brand: '', last4: '', token: '' };

/**
 * The card tender: filled by a swipe on the card reader (brand, last four digits, token, and the
 * amount due) or typed from the card terminal's slip. A bad swipe says why and asks for another.
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
  const [open, setOpen] = useState(false);
  const [swipe, setSwipe] = useState<{ kind: 'ok' | 'error'; text: string }>();

  useHardwareEvents((event) => {
    if (event.type === 'card') {
      onChange({
        amount: toMajorText(Number(amountDue), currency),
        brand: event.brand,
        last4: event.last4,
        token: event.token,
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
        {t('pos.cardBrand')}
        <input
          value={card.brand}
          onChange={(e) => onChange({ ...card, brand: e.target.value })}
          autoComplete="off"
          maxLength={32}
        />
      </label>
      <label>
        {t('pos.cardLast4')}
        <input
          value={card.last4}
          onChange={(e) => onChange({ ...card, last4: e.target.value.replace(/\D/g, '').slice(0, 4) })}
          inputMode="numeric"
          autoComplete="off"
          maxLength={4}
        />
      </label>
      <label>
        {t('pos.cardToken')}
        <input
          value={card.token}
          onChange={(e) => onChange({ ...card, token: e.target.value })}
          autoComplete="off"
          maxLength={256}
        />
      </label>
    </details>
  );
}
