import { useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogEntry } from '../../../protocol/api';
import { useSubscription } from '../../api/hooks';
import { useMoney } from './format';
import { ProductImage } from './ProductImage';

/**
 * The product grid: the manager's quick keys (Settings) in category tabs, for items sold without a
 * barcode. Each key adds one of its item, as a scan would. Big enough to touch (44 px and more);
 * nothing depends on hover. ← → move between categories (WAI-ARIA tabs).
 */
export function QuickGrid({ onAdd }: { onAdd: (entry: CatalogEntry) => void }) {
  const { t } = useTranslation();
  const money = useMoney();
  const ids = useId();
  const { value } = useSubscription('pos.quickKeys');
  const [chosen, setChosen] = useState(0);
  const categories = (value?.categories ?? []).filter((c) => c.items.length > 0);
  if (categories.length === 0) return null;
  const index = Math.min(chosen, categories.length - 1);
  const current = categories[index]!;
  const tabId = (i: number) => `${ids}-tab-${i}`;

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = (index + step + categories.length) % categories.length;
    setChosen(next);
    document.getElementById(tabId(next))?.focus();
  };

  return (
    <section aria-labelledby={`${ids}-heading`} className="quick-keys" data-testid="quick-keys">
      <h2 id={`${ids}-heading`}>{t('quickKeys.heading')}</h2>
      <div role="tablist" aria-label={t('quickKeys.categories')} className="quick-tabs">
        {categories.map((category, i) => (
          <button
            key={category.name}
            id={tabId(i)}
            type="button"
            role="tab"
            className={i === index ? undefined : 'secondary'}
            aria-selected={i === index}
            aria-controls={`${ids}-panel`}
            tabIndex={i === index ? 0 : -1}
            onClick={() => setChosen(i)}
            onKeyDown={onTabKey}
          >
            {category.name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${ids}-panel`} aria-labelledby={tabId(index)} className="quick-grid">
        {current.items.map((item) => (
          <button
            key={item.sku}
            type="button"
            className="quick-key secondary"
            aria-label={t('quickKeys.add', { name: item.name, price: money(item.priceMinor, item.currency) })}
            onClick={() => onAdd(item)}
          >
            <ProductImage sha256={item.image} size={48} />
            <span className="quick-name">{item.name}</span>
            <span className="num">{money(item.priceMinor, item.currency)}</span>
          </button>
        ))}
      </div>
    </section>
  );
}
