import { useTranslation } from 'react-i18next';

/**
 * A read-back dialog's buttons: "Correct the amount" first and focused, so a habitual Enter (or a
 * scanner's) does not confirm; then the confirmation.
 */
export function CorrectOrConfirm({
  confirm,
  onConfirm,
  onCancel,
}: {
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="row">
      <button type="button" className="secondary" onClick={onCancel} autoFocus>
        {t('pos.cashConfirmCorrect')}
      </button>
      <button type="button" onClick={onConfirm}>
        {confirm}
      </button>
    </div>
  );
}
