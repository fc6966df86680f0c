import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { SubmitOrCancel } from '../../components/SubmitOrCancel';
import { isOverridable, posErrorText, useMoney } from '../pos/format';
import { ManagerDialog, type Override } from '../pos/ManagerDialog';

type RecordSale = (override?: Override) => Promise<SaleSummary>;

/**
 * A refund or void being submitted: busy while the core records it, its refusal kept to show. A
 * refusal a manager may lift (REFUND_NEEDS_MANAGER, details.overridable) is kept apart, with the
 * call to retry once a manager approves (<ManagerApproval>).
 */
export function useSaleAction(onDone: (recorded: SaleSummary) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [needsManager, setNeedsManager] = useState<{ refusal: unknown; retry: RecordSale }>();
  const run = async (record: RecordSale) => {
    setBusy(true);
    setError(undefined);
    try {
      onDone(await record());
    } catch (caught) {
      if (isOverridable(caught)) setNeedsManager({ refusal: caught, retry: record });
      else setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run, needsManager, closeApproval: () => setNeedsManager(undefined) };
}

/**
 * The manager's approval of a refused refund, as the till offers it for a sale: the refusal in
 * words, the manager's id, PIN and reason; the same refund retried with them, recorded on approval.
 * Rendered outside the refund's <form>, so the dialog's submit never bubbles into it.
 */
export function ManagerApproval({
  action,
  currency,
  hint,
  onDone,
}: {
  action: ReturnType<typeof useSaleAction>;
  currency: string;
  hint: string;
  onDone: (recorded: SaleSummary) => void;
}) {
  const { t } = useTranslation();
  const money = useMoney();
  const { needsManager, closeApproval } = action;
  if (!needsManager) return null;
  return (
    <ManagerDialog
      message={posErrorText(t, needsManager.refusal, money, currency)}
      hint={hint}
      onApprove={async (override) => {
        try {
          const recorded = await needsManager.retry(override);
          closeApproval();
          onDone(recorded);
          return null;
        } catch (caught) {
          return posErrorText(t, caught, money, currency);
        }
      }}
      onCancel={closeApproval}
    />
  );
}

/** The refusal in words, then confirm and cancel: the foot of the refund and void forms. */
export function ActionFooter({
  error,
  currency,
  confirm,
  disabled,
  onCancel,
}: {
  error: unknown;
  currency: string;
  confirm: string;
  disabled: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const money = useMoney();
  return (
    <>
      {error !== undefined && (
        <p role="alert" className="error-message">
          {posErrorText(t, error, money, currency)}
        </p>
      )}
      <SubmitOrCancel label={confirm} disabled={disabled} onCancel={onCancel} />
    </>
  );
}
