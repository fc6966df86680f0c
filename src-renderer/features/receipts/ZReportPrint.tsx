import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { PrintStatus, type PrintState } from './PrintStatus';

/**
 * The closed shift's Z-report on paper (#18): printed once when a printer is chosen, and on demand.
 * The job id is the shift's, so pressing again after it printed prints nothing twice.
 */
export function ZReportPrint({ shiftId }: { shiftId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const { value: hardware } = useSubscription('hardware.status');
  const printerChosen = Boolean(hardware?.roles.find((r) => r.role === 'printer')?.deviceId);
  const [state, setState] = useState<PrintState>();
  const printed = useRef(false);

  const run = () => {
    setState({ kind: 'printing' });
    api.call('pos.zreport.print', { shiftId, copy: 1 }).then(
      (outcome) => setState({ kind: outcome.status }),
      (error: unknown) =>
        setState({ kind: 'failed', reason: error instanceof Error ? errorText(t, error) : String(error) }),
    );
  };
  useEffect(() => {
    if (!printerChosen || printed.current) return;
    printed.current = true;
    queueMicrotask(run);
  });

  return (
    <div className="row">
      <button type="button" className="secondary" onClick={run} disabled={state?.kind === 'printing'}>
        {t('receipts.printZ')}
      </button>
      {state && <PrintStatus state={state} testId="z-print" />}
    </div>
  );
}
