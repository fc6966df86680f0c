import { useTranslation } from 'react-i18next';
import { CorrectOrConfirm } from '../../components/CorrectOrConfirm';
import { ModalDialog } from '../../components/ModalDialog';
import { useMoney } from './format';

/** The core's CASH_CONFIRM details: what was handed over and the change it means. */
export interface CashToConfirm {
  cashMinor: number;
  changeMinor: number;
}

/** A CASH_CONFIRM refusal's figures, or null for any other error. */
export function cashToConfirm(error: unknown): CashToConfirm | null {
  const e = error as { code?: unknown; details?: { cashMinor?: unknown; changeMinor?: unknown } } | null;
  if (e?.code !== 'CASH_CONFIRM') return null;
  const { cashMinor, changeMinor } = e.details ?? {};
  return typeof cashMinor === 'number' && typeof changeMinor === 'number' ? { cashMinor, changeMinor } : null;
}

/**
 * Change above the policy's approval threshold (protocol/cash-limits.ts): the cashier reads the
 * amounts back and confirms, or goes back to correct the cash. The focus starts on "Correct", so an
 * Enter typed by habit (or a scanner) does not confirm.
 */
export function CashConfirmDialog({
  currency,
  cash,
  onConfirm,
  onCancel,
}: {
  currency: string;
  cash: CashToConfirm;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const money = useMoney();
  return (
    <ModalDialog labelledBy="cash-confirm-heading" testId="cash-confirm" onCancel={onCancel}>
      <h2 id="cash-confirm-heading">{t('pos.cashConfirmHeading')}</h2>
      <p>
        {t('pos.cashConfirmText', {
          cash: money(cash.cashMinor, currency),
          change: money(cash.changeMinor, currency),
        })}
      </p>
      <CorrectOrConfirm confirm={t('pos.cashConfirmYes')} onConfirm={onConfirm} onCancel={onCancel} />
    </ModalDialog>
  );
}
