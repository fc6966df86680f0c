import { useTranslation } from 'react-i18next';

/** A form's last row: its submit button, and Cancel. */
export function SubmitOrCancel({
  label,
  disabled,
  onCancel,
}: {
  label: string;
  disabled: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="row">
      <button type="submit" disabled={disabled}>
        {label}
      </button>
      <button type="button" className="secondary" onClick={onCancel}>
        {t('pos.cancel')}
      </button>
    </div>
  );
}
