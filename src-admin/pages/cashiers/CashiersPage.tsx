import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ShopCashierList, ShopCashierRecord, ShopCashierRole } from '../../../protocol/http/cashiers';
import { api } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, text } from '../../components/Form';
import { Notice } from '../../components/Notice';
import { SelectField } from '../catalog/SelectField';
import { tenantQuery, TenantPicker, useTenant, type Tenant } from '../catalog/tenant';

const ROLES: readonly ShopCashierRole[] = ['cashier', 'manager'];
const enc = encodeURIComponent;

/** A PIN box: digits only, never filled in again, never offered to the browser's password store. */
function PinField({ label }: { label: string }) {
  return <Field label={label} name="pin" type="password" autoComplete="new-password" inputMode="numeric" />;
}

/**
 * A shop's cashiers (issue #19, item 3): the owner adds cashiers and managers with a PIN, sets a new
 * PIN, disables and enables them. The shop's tills take the signed roster on their next sync. The
 * PIN is sent once and never shown again: no answer carries it.
 */
export function CashiersPage() {
  const { t, i18n } = useTranslation();
  const [tenant, setTenant, known] = useTenant();
  const [loaded, setLoaded] = useState<{ tenant: Tenant; list: ShopCashierList }>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [adding, setAdding] = useState(false);
  const [resetting, setResetting] = useState<ShopCashierRecord>();

  const load = useCallback(() => {
    if (!tenant) return;
    api<ShopCashierList>('GET', `/console/cashiers?${tenantQuery(tenant)}`).then(
      (list) => setLoaded({ tenant, list }),
      (err: unknown) => setError(err),
    );
  }, [tenant]);
  useEffect(load, [load]);
  const list = loaded && loaded.tenant === tenant ? loaded.list : undefined;
  const when = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });

  const setDisabled = (c: ShopCashierRecord, disabled: boolean) => {
    setError(undefined);
    // Whole literal paths, so server/routes/role-matrix.test.ts reads each call's route.
    api<ShopCashierRecord>(
      'POST',
      `/console/cashiers/${enc(c.tenant_type)}/${enc(c.tenant_id)}/${enc(c.cashier_id)}/status`,
      { disabled },
    ).then(
      (changed) => {
        setNotice(t(disabled ? 'cashiers.disabled' : 'cashiers.enabled', { name: changed.name }));
        load();
      },
      (err: unknown) => setError(err),
    );
  };

  return (
    <>
      <h1>{t('cashiers.title')}</h1>
      <p className="hint">{t('cashiers.intro')}</p>
      <TenantPicker tenant={tenant} known={known} onChoose={setTenant} />
      <Notice text={notice} />
      <ErrorNote error={error} />
      {tenant && list && (
        <>
          <p>
            <button type="button" onClick={() => setAdding(true)}>
              {t('cashiers.add')}
            </button>{' '}
            {list.roster_version > 0 && (
              <span className="hint">{t('cashiers.version', { version: list.roster_version })}</span>
            )}
          </p>
          {list.cashiers.length === 0 ? (
            <p>{t('cashiers.empty')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('cashiers.id')}</th>
                  <th scope="col">{t('cashiers.name')}</th>
                  <th scope="col">{t('cashiers.role')}</th>
                  <th scope="col">{t('cashiers.status')}</th>
                  <th scope="col">{t('cashiers.pinSetAt')}</th>
                  <th scope="col">{t('cashiers.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.cashiers.map((c) => (
                  <tr key={c.cashier_id} data-cashier={c.cashier_id}>
                    <td>{c.cashier_id}</td>
                    <td>{c.name}</td>
                    <td>{t(`cashiers.roles.${c.role}`)}</td>
                    <td>{t(`cashiers.statuses.${c.status}`)}</td>
                    <td>{when(c.pin_set_at)}</td>
                    <td className="actions">
                      <button type="button" onClick={() => setResetting(c)}>
                        {t('cashiers.resetPin')}
                      </button>
                      <button type="button" onClick={() => setDisabled(c, c.status !== 'disabled')}>
                        {c.status === 'disabled' ? t('cashiers.enable') : t('cashiers.disable')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}

      {adding && tenant && (
        <FormDialog
          title={t('cashiers.add')}
          submit={t('cashiers.addSubmit')}
          onClose={() => setAdding(false)}
          onSubmit={async (data) => {
            const added = await api<ShopCashierRecord>('POST', '/console/cashiers', {
              ...tenant,
              cashier_id: text(data, 'cashier_id'),
              name: text(data, 'name'),
              role: String(data.get('role')),
              pin: String(data.get('pin')),
            });
            setAdding(false);
            setNotice(t('cashiers.added', { name: added.name }));
            load();
          }}
        >
          <Field label={t('cashiers.id')} name="cashier_id" autoComplete="off" />
          <Field label={t('cashiers.name')} name="name" autoComplete="off" />
          <SelectField
            label={t('cashiers.role')}
            name="role"
            defaultValue="cashier"
            options={ROLES.map((role) => ({ value: role, label: t(`cashiers.roles.${role}`) }))}
          />
          <PinField label={t('cashiers.pin')} />
        </FormDialog>
      )}

      {resetting && (
        <FormDialog
          title={t('cashiers.resetPinFor', { name: resetting.name })}
          submit={t('cashiers.resetSubmit')}
          onClose={() => setResetting(undefined)}
          onSubmit={async (data) => {
            const changed = await api<ShopCashierRecord>(
              'POST',
              `/console/cashiers/${enc(resetting.tenant_type)}/${enc(resetting.tenant_id)}/${enc(resetting.cashier_id)}/pin`,
              {
                pin: String(data.get('pin')),
              },
            );
            setResetting(undefined);
            setNotice(t('cashiers.pinChanged', { name: changed.name }));
            load();
          }}
        >
          <PinField label={t('cashiers.pin')} />
        </FormDialog>
      )}
    </>
  );
}
