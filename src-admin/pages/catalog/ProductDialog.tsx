import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Category } from '../../../protocol/http/catalog';
import { QUICK_KEY_SLOTS } from '../../../protocol/http/catalog';
import { formatMoney } from '../../../protocol/money';
import { formatPriceInput, parseDecimal, parsePrice, type ParsedPrice } from '../../../protocol/money-input';
import { api, ApiError } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { Field } from '../../components/Form';
import { QuickKeyGrid } from './QuickKeyGrid';
import { SelectField } from './SelectField';
import type { Tenant } from './tenant';
import type { CatalogItem, CatalogItemRecord } from './types';

/** Currencies offered besides those the catalog already uses (the tills' policy decides which sells). */
const COMMON_CURRENCIES = ['XOF', 'XAF', 'EUR', 'IDR', 'USD', 'GBP'];

/** The typed value's reading, or why it is refused, said under the field as the user types. */
function Reading(props: { id: string; parsed: ParsedPrice; shown: (minor: number) => string }) {
  const { t } = useTranslation();
  return (
    <small id={props.id} className={props.parsed.ok ? 'hint' : 'hint error'} aria-live="polite">
      {props.parsed.ok
        ? t('catalog.form.reads', { value: props.shown(props.parsed.minor) })
        : t(`reasons.amount_${props.parsed.reason}`)}
    </small>
  );
}

/** Basis points as a percentage to edit: 1800 → "18", 725 → "7.25" (parseDecimal reads it back). */
const percentInput = (bp: number, locale: string) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 2, useGrouping: false }).format(
    `${Math.trunc(bp / 100)}.${String(bp % 100).padStart(2, '0')}` as Intl.StringNumericLiteral,
  );

/** A client-side refusal shown like the server's: VALIDATION_FAILED with the field and reason. */
const refused = (field: string, parsed: ParsedPrice & { ok: false }) =>
  new ApiError(0, 'VALIDATION_FAILED', `${field}: ${parsed.reason}`, [
    { path: field, code: `amount_${parsed.reason}`, message: parsed.reason },
  ]);

/**
 * Add or edit one product: the price and tax rate as typed in the user's language, converted
 * exactly (protocol/money-input.ts); barcodes; its category and key on the till's quick grid, with
 * the grid shown so the owner sees where it lands.
 */
export function ProductDialog(props: {
  tenant: Tenant;
  item: CatalogItemRecord | undefined;
  items: readonly CatalogItemRecord[];
  categories: readonly Category[];
  onClose: () => void;
  onSaved: (item: CatalogItem) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const item = props.item;
  const usual = item?.currency ?? props.items[0]?.currency ?? 'XOF';
  const [currency, setCurrency] = useState(usual);
  const [price, setPrice] = useState(item ? formatPriceInput(item.price_minor, item.currency, locale) : '');
  const [tax, setTax] = useState(percentInput(item?.tax_rate_bp ?? props.items[0]?.tax_rate_bp ?? 0, locale));
  const [name, setName] = useState(item?.name ?? '');
  const [sku, setSku] = useState(item?.sku ?? '');
  const [categoryId, setCategoryId] = useState(item?.category_id ?? '');
  const [quickKey, setQuickKey] = useState(item?.quick_key == null ? '' : String(item.quick_key));

  const parsedPrice = parsePrice(price, currency, locale);
  const parsedTax = parseDecimal(tax.replace('%', ''), 2, locale);
  const taxOk: ParsedPrice =
    parsedTax.ok && parsedTax.minor > 10_000 ? { ok: false, reason: 'too_large' } : parsedTax;
  const currencies = [...new Set([usual, ...props.items.map((i) => i.currency), ...COMMON_CURRENCIES])];
  const category = props.categories.find((c) => c.category_id === categoryId);
  const taken = new Map(
    props.items
      .filter((i) => i.active && i.category_id === categoryId && i.sku !== sku && i.quick_key != null)
      .map((i) => [i.quick_key!, i.name]),
  );

  const save = async (data: FormData) => {
    if (!parsedPrice.ok) throw refused(t('catalog.price'), parsedPrice);
    if (!taxOk.ok) throw refused(t('catalog.tax'), taxOk);
    const barcodes = String(data.get('barcodes') ?? '')
      .split(/[\s,;]+/)
      .filter(Boolean);
    const next: CatalogItem = {
      sku: sku.trim(),
      name: name.trim(),
      price_minor: parsedPrice.minor,
      currency,
      tax_rate_bp: taxOk.minor,
      barcode: barcodes[0] ?? null,
      barcodes,
      category_id: categoryId === '' ? null : categoryId,
      quick_key: categoryId === '' || quickKey === '' ? null : Number(quickKey),
      active: data.get('active') === 'on',
    };
    await api('POST', '/offline/catalog', { ...props.tenant, items: [next] });
    props.onSaved(next);
  };

  return (
    <FormDialog
      title={item ? t('catalog.form.editTitle', { name: item.name }) : t('catalog.form.addTitle')}
      submit={t('catalog.form.save')}
      onClose={props.onClose}
      onSubmit={save}
    >
      <div className="form-grid">
        <Field
          label={t('catalog.sku')}
          name="sku"
          maxLength={64}
          value={sku}
          readOnly={item !== undefined}
          onChange={setSku}
        />
        <Field label={t('catalog.name')} name="name" maxLength={200} value={name} onChange={setName} />
        <Field
          label={t('catalog.price')}
          name="price"
          inputMode="decimal"
          value={price}
          describedBy="price-reading"
          invalid={!parsedPrice.ok && price !== ''}
          onChange={setPrice}
        >
          {price !== '' && (
            <Reading
              id="price-reading"
              parsed={parsedPrice}
              shown={(m) => formatMoney(m, currency, locale)}
            />
          )}
        </Field>
        <SelectField
          label={t('catalog.currency')}
          name="currency"
          value={currency}
          onChange={setCurrency}
          options={currencies.map((c) => ({ value: c, label: c }))}
        />
        <Field
          label={t('catalog.form.taxPercent')}
          name="tax"
          inputMode="decimal"
          value={tax}
          describedBy="tax-reading"
          onChange={setTax}
        >
          <Reading
            id="tax-reading"
            parsed={taxOk}
            shown={(bp) =>
              new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(
                bp / 10_000,
              )
            }
          />
        </Field>
        <Field
          label={t('catalog.form.barcodes')}
          name="barcodes"
          inputMode="numeric"
          optional
          defaultValue={(item?.barcodes ?? []).join(' ')}
        >
          <small className="hint">{t('catalog.form.barcodesHint')}</small>
        </Field>
        <SelectField
          label={t('catalog.category')}
          name="category_id"
          value={categoryId}
          onChange={setCategoryId}
          options={[
            { value: '', label: t('catalog.form.noCategory') },
            ...props.categories.map((c) => ({ value: c.category_id, label: c.name })),
          ]}
        />
        <SelectField
          label={t('catalog.quickKey')}
          name="quick_key"
          value={quickKey}
          disabled={categoryId === ''}
          onChange={setQuickKey}
          options={[
            { value: '', label: t('catalog.form.noKey') },
            ...Array.from({ length: QUICK_KEY_SLOTS }, (_, key) => ({
              value: String(key),
              disabled: taken.has(key),
              label: taken.has(key)
                ? t('catalog.form.keyTaken', { key: key + 1, name: taken.get(key) })
                : t('catalog.form.key', { key: key + 1 }),
            })),
          ]}
        />
      </div>
      <label className="check">
        <input type="checkbox" name="active" defaultChecked={item?.active ?? true} />
        {t('catalog.form.active')}
      </label>
      {category && (
        <QuickKeyGrid
          category={category}
          items={props.items}
          highlight={{
            sku,
            name: name || t('catalog.form.thisProduct'),
            quick_key: quickKey === '' ? null : Number(quickKey),
          }}
        />
      )}
    </FormDialog>
  );
}
