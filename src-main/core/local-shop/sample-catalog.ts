/**
 * The local shop's sample catalog (issue #19, item 11): docs/examples/catalog.csv, named in the
 * language of the shop's country and priced in its currency. The example file is French (a shop in
 * Dakar); a shop in London or Jakarta gets its categories and products in English or Indonesian.
 */
export type SampleLanguage = 'en' | 'fr' | 'id';

interface SampleNames {
  categories: Record<string, string>;
  /** By SKU; a SKU not named here keeps the example's name. */
  products: Record<string, string>;
}

const NAMES: Record<SampleLanguage, SampleNames> = {
  fr: {
    categories: { boulangerie: 'Boulangerie', boissons: 'Boissons' },
    products: {},
  },
  en: {
    categories: { boulangerie: 'Bakery', boissons: 'Drinks' },
    products: {
      'CAFE-TOUBA': 'Touba coffee',
      'EAU-150': 'Mineral water 1.5 L',
      'RIZ-5KG': 'Fragrant rice 5 kg',
      SAVON: 'Marseille soap',
    },
  },
  id: {
    categories: { boulangerie: 'Roti', boissons: 'Minuman' },
    products: {
      BAGUETTE: 'Roti baguette',
      CROISSANT: 'Kroisan',
      'CAFE-TOUBA': 'Kopi Touba',
      'EAU-150': 'Air mineral 1,5 L',
      'RIZ-5KG': 'Beras wangi 5 kg',
      SAVON: 'Sabun Marseille',
    },
  },
};

/** The quick grid's categories, in the example file's order (its `category_id` column names them). */
export function sampleCategories(language: SampleLanguage) {
  return Object.entries(NAMES[language].categories).map(([category_id, name], position) => ({
    category_id,
    name,
    position,
  }));
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180). */
const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * The example catalog in the shop's currency and language, its prices scaled to read as prices
 * there.
 */
export function sampleCatalog(
  csv: string,
  currency: string,
  scale: number,
  language: SampleLanguage,
): string {
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  const columns = header!.split(',');
  const price = columns.indexOf('price_minor');
  const money = columns.indexOf('currency');
  const sku = columns.indexOf('sku');
  const name = columns.indexOf('name');
  const names = NAMES[language].products;
  // The example's cells hold no comma but in quoted names: split on commas outside quotes.
  const cells = (row: string) => row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
  const out = rows.map((row) => {
    const fields = cells(row).slice(0, columns.length);
    fields[price] = String(Number(fields[price]) * scale);
    fields[money] = currency;
    const translated = names[fields[sku]!];
    if (translated !== undefined) fields[name] = cell(translated);
    return fields.join(',');
  });
  return `${[header, ...out].join('\r\n')}\r\n`;
}
