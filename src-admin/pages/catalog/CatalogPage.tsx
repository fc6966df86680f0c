import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Category } from '../../../protocol/http/catalog';
import { formatMoney } from '../../../protocol/money';
import { api } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Form } from '../../components/Form';
import type { PageProps } from '../../page-props';
import { CsvImport } from './CsvImport';
import { ProductDialog } from './ProductDialog';
import { PictureDialog, Thumbnail } from './ProductPicture';
import { QuickKeyGrid } from './QuickKeyGrid';
import { tenantQuery, TenantPicker, useTenant, type Tenant } from './tenant';
import type { CatalogItemRecord, CatalogListing } from './types';

export const PAGE_SIZE = 20;

/** The tenant's listing, reloaded on demand; undefined while none is chosen or loading. */
export function useListing(tenant: Tenant | undefined) {
  const [loaded, setLoaded] = useState<{ tenant: Tenant; listing: CatalogListing }>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => {
    if (!tenant) return;
    setError(undefined);
    api<CatalogListing>('GET', `/offline/catalog?${tenantQuery(tenant)}`).then(
      (listing) => setLoaded({ tenant, listing }),
      setError,
    );
  }, [tenant]);
  useEffect(load, [load]);
  // Another tenant's listing is never shown while this one's loads.
  return { listing: loaded && loaded.tenant === tenant ? loaded.listing : undefined, error, load };
}

/** A category id from its name: "Boissons fraîches" → "boissons-fraiches" (the name may change later). */
const slug = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'category';

function Categories(props: { tenant: Tenant; categories: readonly Category[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>();
  const [name, setName] = useState('');
  const save = (categories: Category[]) =>
    api('POST', '/offline/catalog/categories', { ...props.tenant, categories }).then(props.onChanged);
  const remove = (id: string) => {
    setError(undefined);
    save(
      props.categories.filter((c) => c.category_id !== id).map((c, position) => ({ ...c, position })),
    ).catch(setError);
  };
  return (
    <section aria-labelledby="categories-title">
      <h2 id="categories-title">{t('catalog.categories.title')}</h2>
      <ErrorNote error={error} />
      {props.categories.length === 0 ? (
        <p className="hint">{t('catalog.categories.none')}</p>
      ) : (
        <ul className="categories">
          {props.categories.map((c) => (
            <li key={c.category_id}>
              {c.name} <span className="code">{c.category_id}</span>{' '}
              <button type="button" onClick={() => remove(c.category_id)}>
                {t('catalog.categories.remove', { name: c.name })}
              </button>
            </li>
          ))}
        </ul>
      )}
      <Form
        label={t('catalog.categories.add')}
        submit={t('catalog.categories.add')}
        onSubmit={async () => {
          const taken = new Set(props.categories.map((c) => c.category_id));
          let id = slug(name);
          for (let n = 2; taken.has(id); n++) id = `${slug(name).slice(0, 36)}-${n}`;
          await save([
            ...props.categories,
            { category_id: id, name: name.trim(), position: props.categories.length },
          ]);
          setName('');
        }}
      >
        <label className="field">
          <span>{t('catalog.categories.name')}</span>
          <input name="name" required maxLength={40} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      </Form>
    </section>
  );
}

/**
 * The catalog (issue #19, item 6): a tenant's products in a paged, searchable table; add, edit and
 * delete; categories and the quick-key grid; CSV import and export. Tills get every change on their
 * next pull.
 */
export function CatalogPage(_: PageProps) {
  const { t, i18n } = useTranslation();
  const [tenant, setTenant, known] = useTenant();
  const { listing, error, load } = useListing(tenant);
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const [editing, setEditing] = useState<CatalogItemRecord | 'new'>();
  const [deleting, setDeleting] = useState<CatalogItemRecord>();
  const [deleteError, setDeleteError] = useState<unknown>();
  const [picturing, setPicturing] = useState<CatalogItemRecord>();
  const [saved, setSaved] = useState<string>();

  const items = listing?.items ?? [];
  const categories = listing?.categories ?? [];
  const q = query.trim().toLowerCase();
  const found = items.filter(
    (i) =>
      q === '' ||
      i.sku.toLowerCase().includes(q) ||
      i.name.toLowerCase().includes(q) ||
      (i.barcodes ?? []).some((b) => b.includes(q)),
  );
  const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
  const shown = found.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const lastChange = items.reduce<string | undefined>(
    (max, i) => (max === undefined || i.updated_at > max ? i.updated_at : max),
    undefined,
  );
  const when = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { dateStyle: 'long', timeStyle: 'short' });
  const categoryName = (id: string | null | undefined) =>
    categories.find((c) => c.category_id === id)?.name ?? '';
  const percent = (bp: number) =>
    new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 2 }).format(bp / 10_000);

  return (
    <>
      <h1>{t('catalog.title')}</h1>
      <TenantPicker tenant={tenant} known={known} onChoose={setTenant} />
      <ErrorNote error={error} />
      {tenant && listing && (
        <>
          <p className="sync-note" data-testid="last-change">
            {lastChange ? t('catalog.lastChange', { when: when(lastChange) }) : t('catalog.empty')}{' '}
            {t('catalog.reachTills')}
          </p>
          {saved && (
            <p role="status" className="ok">
              {saved}
            </p>
          )}
          <section aria-labelledby="products-title">
            <h2 id="products-title">{t('catalog.products')}</h2>
            <div className="toolbar">
              <label className="field">
                <span>{t('catalog.search')}</span>
                <input
                  type="search"
                  value={query}
                  onChange={(e) => {
                    setQuery(e.target.value);
                    setPage(0);
                  }}
                />
              </label>
              <button type="button" onClick={() => setEditing('new')}>
                {t('catalog.add')}
              </button>
            </div>
            <div className="table-scroll">
              <table aria-labelledby="products-title">
                <thead>
                  <tr>
                    <th scope="col">{t('productImage.column')}</th>
                    <th scope="col">{t('catalog.sku')}</th>
                    <th scope="col">{t('catalog.name')}</th>
                    <th scope="col">{t('catalog.barcodes')}</th>
                    <th scope="col" className="num">
                      {t('catalog.price')}
                    </th>
                    <th scope="col" className="num">
                      {t('catalog.tax')}
                    </th>
                    <th scope="col">{t('catalog.category')}</th>
                    <th scope="col">{t('catalog.quickKey')}</th>
                    <th scope="col">{t('catalog.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((i) => (
                    <tr key={i.sku} data-sku={i.sku} className={i.active ? undefined : 'retired'}>
                      <td>
                        <Thumbnail tenant={tenant} item={i} />
                      </td>
                      <td className="code">{i.sku}</td>
                      <td>
                        {i.name} {!i.active && <em>{t('catalog.retired')}</em>}
                      </td>
                      <td className="code">{(i.barcodes ?? []).join(' ')}</td>
                      <td className="num">{formatMoney(i.price_minor, i.currency, i18n.language)}</td>
                      <td className="num">{percent(i.tax_rate_bp)}</td>
                      <td>{categoryName(i.category_id)}</td>
                      <td>{i.quick_key == null ? '' : t('catalog.form.key', { key: i.quick_key + 1 })}</td>
                      <td className="actions">
                        <button
                          type="button"
                          aria-label={t('catalog.editNamed', { name: i.name })}
                          onClick={() => setEditing(i)}
                        >
                          {t('catalog.edit')}
                        </button>
                        {i.active && (
                          <button
                            type="button"
                            aria-label={t('productImage.named', { name: i.name })}
                            onClick={() => setPicturing(i)}
                          >
                            {t('productImage.button')}
                          </button>
                        )}
                        {i.active && (
                          <button
                            type="button"
                            aria-label={t('catalog.deleteNamed', { name: i.name })}
                            onClick={() => setDeleting(i)}
                          >
                            {t('catalog.delete')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {found.length === 0 && (
              <p className="hint">{q ? t('catalog.noMatch') : t('catalog.noProducts')}</p>
            )}
            <div className="pager" role="group" aria-label={t('catalog.pages')}>
              <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                {t('catalog.previous')}
              </button>
              <span>{t('catalog.pageOf', { page: page + 1, pages, count: found.length })}</span>
              <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
                {t('catalog.next')}
              </button>
            </div>
          </section>

          <Categories tenant={tenant} categories={categories} onChanged={load} />

          {categories.length > 0 && (
            <section aria-labelledby="grid-title">
              <h2 id="grid-title">{t('catalog.grid.title')}</h2>
              <p className="hint">{t('catalog.grid.intro')}</p>
              {categories.map((c) => (
                <QuickKeyGrid key={c.category_id} category={c} items={items} />
              ))}
            </section>
          )}

          <CsvImport tenant={tenant} onImported={load} />
        </>
      )}

      {editing && tenant && (
        <ProductDialog
          tenant={tenant}
          item={editing === 'new' ? undefined : editing}
          items={items}
          categories={categories}
          onClose={() => setEditing(undefined)}
          onSaved={(item) => {
            setEditing(undefined);
            setSaved(t('catalog.saved', { name: item.name }));
            load();
          }}
        />
      )}

      {picturing && tenant && (
        <PictureDialog
          tenant={tenant}
          item={picturing}
          onClose={() => setPicturing(undefined)}
          onDone={(said) => {
            setPicturing(undefined);
            setSaved(said);
            load();
          }}
        />
      )}

      {deleting && tenant && (
        <Dialog
          title={t('catalog.deleteTitle', { name: deleting.name })}
          onClose={() => setDeleting(undefined)}
        >
          <p>{t('catalog.deleteIntro')}</p>
          <ErrorNote error={deleteError} />
          <button
            type="button"
            onClick={() => {
              setDeleteError(undefined);
              api(
                'DELETE',
                `/offline/catalog/${tenant.tenant_type}/${encodeURIComponent(tenant.tenant_id)}/items/${encodeURIComponent(deleting.sku)}`,
              ).then(() => {
                setDeleting(undefined);
                setSaved(t('catalog.deleted', { name: deleting.name }));
                load();
              }, setDeleteError);
            }}
          >
            {t('catalog.delete')}
          </button>
          <button type="button" onClick={() => setDeleting(undefined)}>
            {t('people.cancel')}
          </button>
        </Dialog>
      )}
    </>
  );
}
