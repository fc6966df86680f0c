import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { XReport } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { toApiError } from '../pos/format';
import { ZReportView } from '../pos/ZReportView';
import { DrawerMoveForm } from './DrawerMoveForm';
import { FormError } from './FormError';

/**
 * The till's cashier controls (issue #18): who is signed in, lock / switch cashier, the X-report
 * (the shift so far, nothing closed) and the drawer's paid-in and paid-out.
 */
export function CashierBar({ currency }: { currency: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const { value: current } = useSubscription('pos.cashier.current');
  const [report, setReport] = useState<XReport | null>(null);
  const [drawer, setDrawer] = useState(false);
  const [error, setError] = useState<string>();

  const readX = async () => {
    setError(undefined);
    try {
      setReport(await api.call('pos.shift.xReport', {}));
    } catch (caught) {
      setError(errorText(t, toApiError(caught)));
    }
  };

  return (
    <div className="cashier-bar" data-testid="cashier-bar">
      {current?.cashier && (
        <span data-testid="cashier-name">{t('cashiers.signedInAs', { name: current.cashier.name })}</span>
      )}
      {current?.required && (
        <button type="button" className="secondary" onClick={() => void api.call('pos.cashier.lock', {})}>
          {t('cashiers.lock')}
        </button>
      )}
      <button type="button" className="secondary" onClick={() => void readX()}>
        {t('cashiers.xReport')}
      </button>
      <button type="button" className="secondary" aria-expanded={drawer} onClick={() => setDrawer((d) => !d)}>
        {t('cashiers.drawer')}
      </button>
      <FormError text={error} />
      {drawer && <DrawerMoveForm currency={currency} onDone={() => setDrawer(false)} />}
      {report && (
        <div>
          <ZReportView report={report} />
          <button type="button" className="secondary" onClick={() => setReport(null)}>
            {t('cashiers.close')}
          </button>
        </div>
      )}
    </div>
  );
}
