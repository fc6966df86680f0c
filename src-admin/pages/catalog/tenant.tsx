import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EnrollmentCodeList, TillList } from '../../../protocol/http/back-office';
import { TENANT_TYPES, type TenantType } from '../../../protocol/http/common';
import { api } from '../../api';
import { Field } from '../../components/Form';
import { SelectField } from './SelectField';

/**
 * Whose catalog the page shows: a tenant (a shop, an agent, a school) as its tills were enrolled.
 * The last one chosen is remembered in this browser; else the first tenant of a till or code.
 */
export interface Tenant {
  tenant_type: TenantType;
  tenant_id: string;
}

const STORED = 'outpost-admin-tenant';
const TENANT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function stored(): Tenant | undefined {
  try {
    const t = JSON.parse(localStorage.getItem(STORED) ?? 'null') as Tenant | null;
    if (t && TENANT_TYPES.includes(t.tenant_type) && TENANT_ID.test(t.tenant_id)) return t;
  } catch {
    // Not ours, or from an older console: choose again.
  }
  return undefined;
}

export const tenantQuery = (t: Tenant) =>
  `tenant_type=${encodeURIComponent(t.tenant_type)}&tenant_id=${encodeURIComponent(t.tenant_id)}`;

/** The tenant chosen, its setter, and the tenants the server knows from tills and enrollment codes. */
export function useTenant(): [Tenant | undefined, (t: Tenant) => void, Tenant[]] {
  const [tenant, setTenant] = useState(stored);
  const [known, setKnown] = useState<Tenant[]>([]);
  useEffect(() => {
    // Best effort: the list only suggests; a tenant can always be typed.
    void Promise.allSettled([
      api<TillList>('GET', '/offline/tills'),
      api<EnrollmentCodeList>('GET', '/offline/enrollment-codes'),
    ]).then(([tills, codes]) => {
      const all = [
        ...(tills.status === 'fulfilled' ? tills.value.tills : []),
        ...(codes.status === 'fulfilled' ? codes.value.codes : []),
      ];
      const unique = new Map(all.map((t) => [`${t.tenant_type}:${t.tenant_id}`, t]));
      const list = [...unique.values()].map(({ tenant_type, tenant_id }) => ({ tenant_type, tenant_id }));
      setKnown(list);
      setTenant((t) => t ?? list[0]);
    });
  }, []);
  const choose = (t: Tenant) => {
    localStorage.setItem(STORED, JSON.stringify(t));
    setTenant(t);
  };
  return [tenant, choose, known];
}

/** Choose the tenant: its type and id, with the known ones offered. Enter opens it. */
export function TenantPicker(props: {
  tenant: Tenant | undefined;
  known: Tenant[];
  onChoose: (t: Tenant) => void;
}) {
  const { t } = useTranslation();
  const key = props.tenant ? `${props.tenant.tenant_type}:${props.tenant.tenant_id}` : 'none';
  return (
    <form
      key={key}
      className="tenant"
      aria-label={t('catalog.tenant.label')}
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        props.onChoose({
          tenant_type: String(data.get('tenant_type')) as TenantType,
          tenant_id: String(data.get('tenant_id')).trim(),
        });
      }}
    >
      <SelectField
        label={t('catalog.tenant.type')}
        name="tenant_type"
        defaultValue={props.tenant?.tenant_type ?? 'merchant'}
        options={TENANT_TYPES.map((type) => ({ value: type, label: t(`catalog.tenant.types.${type}`) }))}
      />
      <Field
        label={t('catalog.tenant.id')}
        name="tenant_id"
        list="known-tenants"
        pattern={TENANT_ID.source.slice(1, -1)}
        defaultValue={props.tenant?.tenant_id ?? ''}
      />
      <datalist id="known-tenants">
        {props.known.map((k) => (
          <option key={`${k.tenant_type}:${k.tenant_id}`} value={k.tenant_id} />
        ))}
      </datalist>
      <button type="submit">{t('catalog.tenant.open')}</button>
      {!props.tenant && <p className="hint">{t('catalog.tenant.hint')}</p>}
    </form>
  );
}
