import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrintOutcome } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { PrintStatus, type PrintState } from './PrintStatus';

/** A print job started from a button: where it stands, and the call that starts it. */
function usePrintJob(print: () => Promise<PrintOutcome>) {
  const { t } = useTranslation();
  const [state, setState] = useState<PrintState>();
  const run = () => {
    setState({ kind: 'printing' });
    print().then(
      (outcome) => setState({ kind: outcome.status }),
      (error: unknown) =>
        setState({ kind: 'failed', reason: error instanceof Error ? errorText(t, error) : String(error) }),
    );
  };
  return { state, run };
}

function PrintButton(props: { label: string; testId: string; state?: PrintState; run: () => void }) {
  return (
    <div className="row">
      <button
        type="button"
        className="secondary"
        onClick={props.run}
        disabled={props.state?.kind === 'printing'}
      >
        {props.label}
      </button>
      {props.state && <PrintStatus state={props.state} testId={props.testId} />}
    </div>
  );
}

/**
 * The closed shift's Z-report on paper (#18): printed once when a printer is chosen, and on demand.
 * The job id is the shift's, so pressing again after it printed prints nothing twice.
 */
export function ZReportPrint({ shiftId }: { shiftId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const { value: hardware } = useSubscription('hardware.status');
  const printerChosen = Boolean(hardware?.roles.find((r) => r.role === 'printer')?.deviceId);
  const { state, run } = usePrintJob(() => api.call('pos.zreport.print', { shiftId, copy: 1 }));
  const printed = useRef(false);
  useEffect(() => {
    if (!printerChosen || printed.current) return;
    printed.current = true;
    queueMicrotask(run);
  });
  return <PrintButton label={t('receipts.printZ')} testId="z-print" state={state} run={run} />;
}

/**
 * The open shift's X-report on paper (#18), on demand only: each press prints the shift as it
 * stands then, under an "X REPORT - mid-shift" heading.
 */
export function XReportPrint() {
  const { t } = useTranslation();
  const api = useApi();
  const { state, run } = usePrintJob(() => api.call('pos.xreport.print', {}));
  return <PrintButton label={t('receipts.printX')} testId="x-print" state={state} run={run} />;
}
