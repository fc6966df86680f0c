import { useTranslation } from 'react-i18next';
import { CorrectOrConfirm } from '../../components/CorrectOrConfirm';
import { ModalDialog } from '../../components/ModalDialog';

/**
 * Money into or out of the drawer, read back before it is recorded (#18): the float a shift opens
 * with, a paid-in or a paid-out, with its amount (as the till formats it) and reason. The focus
 * starts on "Correct", so a habitual Enter does not record a mistyped amount.
 */
export function DrawerConfirmDialog({
  what,
  amount,
  reason,
  onConfirm,
  onCancel,
}: {
  /** "Cash float", "Paid in", "Paid out", as the form's labels say. */
  what: string;
  /** Formatted. */
  amount: string;
  reason?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <ModalDialog labelledBy="drawer-confirm-heading" testId="drawer-confirm" onCancel={onCancel}>
      <h2 id="drawer-confirm-heading">{t('drawerConfirm.heading')}</h2>
      <dl className="totals">
        <dt>{what}</dt>
        <dd data-testid="drawer-confirm-amount">{amount}</dd>
        {reason && (
          <>
            <dt>{t('cashiers.reason')}</dt>
            <dd data-testid="drawer-confirm-reason">{reason}</dd>
          </>
        )}
      </dl>
      <CorrectOrConfirm confirm={t('drawerConfirm.record')} onConfirm={onConfirm} onCancel={onCancel} />
    </ModalDialog>
  );
}
