import { useTranslation } from 'react-i18next';
import type { CatalogItemRecord } from './types';
import type { Category } from '../../../protocol/http/catalog';
import { QUICK_KEY_SLOTS } from '../../../protocol/http/catalog';

/** Keys shown per category: a row of six at least, and every used one with a free key after it. */
export function slotsShown(items: readonly Pick<CatalogItemRecord, 'quick_key'>[]): number {
  const highest = Math.max(-1, ...items.map((i) => i.quick_key ?? -1));
  return Math.min(QUICK_KEY_SLOTS, Math.max(12, Math.ceil((highest + 2) / 6) * 6));
}

/**
 * One category's quick-key grid as the till lays it out: key 1 first, each product on its key, the
 * products without a key after the placed ones (by sku). `highlight` marks one product's key.
 */
export function QuickKeyGrid(props: {
  category: Category;
  items: readonly CatalogItemRecord[];
  highlight?: { sku: string; name: string; quick_key: number | null };
}) {
  const { t } = useTranslation();
  const placed = new Map<number, string>();
  const unplaced: string[] = [];
  const inCategory = props.items.filter(
    (i) => i.active && i.category_id === props.category.category_id && i.sku !== props.highlight?.sku,
  );
  for (const i of inCategory)
    if (i.quick_key == null) unplaced.push(i.name);
    else placed.set(i.quick_key, i.name);
  const h = props.highlight;
  if (h && h.quick_key != null) placed.set(h.quick_key, h.name);
  else if (h) unplaced.push(h.name);
  const slots = slotsShown([...inCategory, ...(h ? [h] : [])]);
  return (
    <figure className="quick-keys">
      <figcaption>{props.category.name}</figcaption>
      <ol className="key-grid" aria-label={t('catalog.grid.label', { category: props.category.name })}>
        {Array.from({ length: slots }, (_, key) => {
          const name = placed.get(key);
          const mine = h?.quick_key === key;
          return (
            <li key={key} className={mine ? 'key mine' : name ? 'key used' : 'key'} data-key={key + 1}>
              <span className="key-number">{key + 1}</span>
              <span>{name ?? t('catalog.grid.free')}</span>
            </li>
          );
        })}
      </ol>
      {unplaced.length > 0 && (
        <p className="hint">{t('catalog.grid.after', { names: unplaced.join(', ') })}</p>
      )}
    </figure>
  );
}
