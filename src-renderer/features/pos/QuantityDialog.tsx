import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { SubmitOrCancel } from '../../components/SubmitOrCancel';
import { ModalDialog } from '../../components/ModalDialog';
import { TILL_KEYS, useFunctionKey } from './shortcuts';

const MAX_QTY = 1_000_000;

/**
 * "Quantity" (F4): sets how many of the cart's last line, typed rather than pressed + ten times.
 * Enter sets it, Escape leaves the line as it was.
 */
export function QuantityControl({
  line,
  onSet,
}: {
  line: { name: string; qty: number } | undefined;
  onSet: (qty: number) => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  useFunctionKey(TILL_KEYS.quantity, () => setOpen(true), line !== undefined);
  return (
    <>
      <button
        type="button"
        className="secondary"
        disabled={!line}
        aria-keyshortcuts={TILL_KEYS.quantity}
        onClick={() => setOpen(true)}
      >
        {t('quickKeys.quantity')} <kbd>{TILL_KEYS.quantity}</kbd>
      </button>
      {open && line && (
        <QuantityDialog
          line={line}
          onSet={(qty) => {
            onSet(qty);
            setOpen(false);
          }}
          onCancel={() => setOpen(false)}
        />
      )}
    </>
  );
}

function QuantityDialog({
  line,
  onSet,
  onCancel,
}: {
  line: { name: string; qty: number };
  onSet: (qty: number) => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [text, setText] = useState(String(line.qty));
  const qty = /^\d{1,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  const valid = qty >= 1 && qty <= MAX_QTY;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) onSet(qty);
  };

  return (
    <ModalDialog labelledBy="quantity-heading" onCancel={onCancel}>
      <form className="settings-form" onSubmit={submit}>
        <h2 id="quantity-heading">{t('quickKeys.quantityOf', { name: line.name })}</h2>
        <label>
          {t('pos.qty')}
          <input
            value={text}
            onChange={(e) => setText(e.target.value.replace(/\D/g, '').slice(0, 7))}
            onFocus={(e) => e.currentTarget.select()}
            inputMode="numeric"
            autoComplete="off"
            autoFocus
            aria-invalid={!valid}
          />
        </label>
        {!valid && (
          <p role="alert" className="error-message">
            {t('quickKeys.quantityInvalid', { max: MAX_QTY.toLocaleString(i18n.language) })}
          </p>
        )}
        <SubmitOrCancel label={t('quickKeys.setQuantity')} disabled={!valid} onCancel={onCancel} />
      </form>
    </ModalDialog>
  );
}
