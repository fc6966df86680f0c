import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ZReport } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { CashierSignIn } from '../cashiers/CashierSignIn';
import { FirstManager } from '../cashiers/FirstManager';
import { FirstRun, LocalShopBanner } from '../local-shop/FirstRun';
import { OpenShiftForm } from './OpenShiftForm';
import { Till } from './Till';
import { ZReportView } from './ZReportView';

/** Why the till's whole feature is refused: its store could not be opened at start. */
const STORE_REFUSALS: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'STORE_DISK_FULL']);

/**
 * The till: enrolled terminals with an open shift sell; otherwise it says what is missing. A till
 * with no cashier account first creates its manager, and nobody sells without signing in (#18).
 */
export function PosScreen() {
  const { t } = useTranslation();
  const { value: status } = useSubscription('device.status');
  const { value: current, error: tillError } = useSubscription('pos.shift.current');
  const { value: cashier } = useSubscription('pos.cashier.current');
  const currency = useTerminalCurrency(status?.enrollment);
  const [report, setReport] = useState<ZReport | null>(null);

  let body;
  // The till's store did not open (a disk without room, …): say why and what to do, not "Loading".
  if (!current && tillError && STORE_REFUSALS.has(tillError.code))
    body = (
      <p role="alert" className="error-message" data-testid="till-store-error">
        {errorText(t, tillError)}
      </p>
    );
  else if (!status || !current) body = <p className="empty">{t('pos.loading')}</p>;
  else if (status.enrollment === 'revoked') body = <p className="error-message">{t('pos.revoked')}</p>;
  else if (status.enrollment !== 'enrolled' || status.enrollmentMode !== 'pos')
    body = <FirstRun tillStopped={status.tillStopped} />;
  else if (cashier && !cashier.required) body = <FirstManager />;
  else if (!cashier || !cashier.cashier)
    body = (
      <>
        {report && <ZReportView report={report} />}
        {cashier ? <CashierSignIn /> : <p className="empty">{t('pos.loading')}</p>}
      </>
    );
  else if (current.shift)
    body = <Till key={current.shift.shiftId} shift={current.shift} onClosed={setReport} />;
  else
    body = (
      <>
        {report && <ZReportView report={report} />}
        {currency ? <OpenShiftForm currency={currency} /> : <p className="empty">{t('pos.loading')}</p>}
      </>
    );

  return (
    <section className="screen">
      <h1>{t('nav.pos')}</h1>
      <LocalShopBanner />
      {body}
    </section>
  );
}

/** The terminal sells in its enrollment's currency, else the settings' one (as the core does). */
function useTerminalCurrency(enrollment: string | undefined): string | undefined {
  const api = useApi();
  const { value: settings } = useSubscription('settings.changes');
  const [enrolled, setEnrolled] = useState<string | null>();
  useEffect(() => {
    if (enrollment !== 'enrolled') return;
    let live = true;
    api.call('enrollment.get', {}).then(
      (record) => live && setEnrolled(record.currency),
      () => live && setEnrolled(null),
    );
    return () => {
      live = false;
    };
  }, [api, enrollment]);
  if (enrolled === undefined && enrollment === 'enrolled') return undefined;
  return enrolled ?? settings?.currency;
}
