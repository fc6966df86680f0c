import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { QUICK_KEY_LIMITS, type CatalogEntry } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { FormMessage } from '../../components/FormMessage';
import { ManagerIdField, PinField } from '../settings/CashiersSection';
import { toApiError } from './format';

interface Draft {
  key: number;
  name: string;
  skus: string[];
}

const PIN = /^\d{4,12}$/;
let nextKey = 0;
const draft = (name: string, skus: string[]): Draft => ({ key: nextKey++, name, skus });

/**
 * Settings: a manager arranges the till's quick keys (the product grid) in categories, choosing
 * each category's products from the catalog. Saving takes the manager's ID and PIN (the core
 * checks them, with the same lockout as overrides).
 */
export function QuickKeysSection() {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const { value } = useSubscription('pos.quickKeys');
  const [catalog, setCatalog] = useState<CatalogEntry[]>([]);
  const [categories, setCategories] = useState<Draft[] | null>(null);
  const [managerId, setManagerId] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();

  // Fetched again whenever the grid's stream emits, which it does on every catalog change: products
  // pulled from the server while Settings is open appear in the lists.
  useEffect(() => {
    api.call('pos.catalog.search', { query: '', limit: 100 }).then(
      ({ items }) => setCatalog(items),
      (caught: unknown) => setMessage({ kind: 'error', text: errorText(t, toApiError(caught)) }),
    );
  }, [api, t, value]);
  // The saved layout until the manager's first edit; after that the edits are kept.
  const saved = (value?.categories ?? []).map((c, i) => ({
    key: -1 - i,
    name: c.name,
    skus: c.items.map((item) => item.sku),
  }));
  const list = categories ?? saved;
  const change = (key: number, patch: Partial<Draft>) =>
    setCategories(list.map((c) => (c.key === key ? { ...c, ...patch } : c)));
  const names = list.map((c) => c.name.trim());
  const ready =
    managerId.trim() !== '' &&
    PIN.test(pin) &&
    names.every((n) => n !== '') &&
    new Set(names).size === names.length;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      await api.call('pos.quickKeys.set', {
        layout: { categories: list.map((c) => ({ name: c.name.trim(), skus: c.skus })) },
        manager: { managerId: managerId.trim(), pin },
      });
      setMessage({ kind: 'ok', text: t('quickKeys.saved') });
    } catch (caught) {
      setMessage({ kind: 'error', text: errorText(t, toApiError(caught)) });
    } finally {
      setPin('');
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-heading`} className="quick-keys-settings">
      <h2 id={`${ids}-heading`}>{t('quickKeys.settingsHeading')}</h2>
      <p className="hint">{t('quickKeys.settingsHint')}</p>
      <form className="settings-form" onSubmit={(e) => void submit(e)}>
        {list.map((category, i) => (
          <fieldset key={category.key}>
            <legend>{t('quickKeys.category', { n: i + 1 })}</legend>
            <label>
              {t('quickKeys.categoryName')}
              <input
                value={category.name}
                maxLength={40}
                onChange={(e) => change(category.key, { name: e.target.value })}
              />
            </label>
            <label>
              {t('quickKeys.products')}
              <select
                multiple
                size={Math.min(8, Math.max(3, catalog.length))}
                value={category.skus}
                onChange={(e) =>
                  change(category.key, {
                    skus: [...e.target.selectedOptions]
                      .map((o) => o.value)
                      .slice(0, QUICK_KEY_LIMITS.keysPerCategory),
                  })
                }
              >
                {catalog.map((item) => (
                  <option key={item.sku} value={item.sku}>
                    {item.name} ({item.sku})
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="danger"
              onClick={() => setCategories(list.filter((c) => c.key !== category.key))}
            >
              {t('quickKeys.removeCategory', { name: category.name || i + 1 })}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="secondary"
          disabled={list.length >= QUICK_KEY_LIMITS.categories}
          onClick={() => setCategories([...list, draft('', [])])}
        >
          {t('quickKeys.addCategory')}
        </button>
        <ManagerIdField label={t('pos.managerId')} value={managerId} onChange={setManagerId} />
        <PinField label={t('pos.managerPin')} value={pin} onChange={setPin} autoComplete="off" />
        <button type="submit" disabled={!ready || busy}>
          {t('quickKeys.save')}
        </button>
        <FormMessage message={message} />
      </form>
    </section>
  );
}
