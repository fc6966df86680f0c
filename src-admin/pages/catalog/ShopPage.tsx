import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { Form, text } from '../../components/Form';
import type { PageProps } from '../../page-props';
import { useListing } from './CatalogPage';
import { TenantPicker, useTenant, type Tenant } from './tenant';
import type { CatalogListing } from './types';

type Shop = NonNullable<CatalogListing['shop']>;

/** The header a till prints (src-main/core/hardware/sale-receipt.ts shopHeader), then its own name. */
function ReceiptPreview({ shop }: { shop: Shop }) {
  const { t } = useTranslation();
  return (
    <figure className="receipt-preview">
      <figcaption>{t('shop.preview')}</figcaption>
      <pre data-testid="receipt-header">
        {[
          shop.name,
          ...(shop.address ? [shop.address] : []),
          ...(shop.tax_id ? [`${t('shop.taxIdOnReceipt')} ${shop.tax_id}`] : []),
          t('shop.tillName'),
        ].join('\n')}
      </pre>
    </figure>
  );
}

function ShopForm({ tenant, shop, onSaved }: { tenant: Tenant; shop: Shop | null; onSaved: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Shop>(shop ?? { name: '', address: null, tax_id: null });
  const [saved, setSaved] = useState(false);
  const change = (field: keyof Shop) => (e: { target: { value: string } }) => {
    setSaved(false);
    setDraft({ ...draft, [field]: field === 'name' ? e.target.value : e.target.value || null });
  };
  return (
    <div className="shop">
      <Form
        label={t('shop.title')}
        submit={t('shop.save')}
        onSubmit={async (data) => {
          const optional = (name: string) => text(data, name).trim() || null;
          await api('POST', '/offline/catalog/shop', {
            ...tenant,
            name: text(data, 'name').trim(),
            address: optional('address'),
            tax_id: optional('tax_id'),
          });
          setSaved(true);
          onSaved();
        }}
      >
        <label className="field">
          <span>{t('shop.name')}</span>
          <input name="name" required maxLength={64} value={draft.name} onChange={change('name')} />
        </label>
        <label className="field">
          <span>{t('shop.address')}</span>
          <textarea
            name="address"
            rows={3}
            maxLength={200}
            value={draft.address ?? ''}
            onChange={change('address')}
          />
        </label>
        <label className="field">
          <span>{t('shop.taxId')}</span>
          <input name="tax_id" maxLength={40} value={draft.tax_id ?? ''} onChange={change('tax_id')} />
        </label>
      </Form>
      <ReceiptPreview shop={{ ...draft, name: draft.name || t('shop.namePlaceholder') }} />
      {saved && (
        <p role="status" className="ok">
          {t('shop.saved')}
        </p>
      )}
    </div>
  );
}

/** The shop's details the tenant's tills print at the top of every receipt (next pull). */
export function ShopPage(_: PageProps) {
  const { t } = useTranslation();
  const [tenant, setTenant, known] = useTenant();
  const { listing, error, load } = useListing(tenant);
  return (
    <>
      <h1>{t('shop.title')}</h1>
      <TenantPicker tenant={tenant} known={known} onChoose={setTenant} />
      <ErrorNote error={error} />
      {tenant && listing && (
        <>
          <p className="sync-note">{t('shop.intro')}</p>
          <ShopForm
            key={`${tenant.tenant_type}:${tenant.tenant_id}`}
            tenant={tenant}
            shop={listing.shop}
            onSaved={load}
          />
        </>
      )}
    </>
  );
}
