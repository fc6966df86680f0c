import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLocalConsoleUrl } from '../../../protocol/api/server-url';
import { sampleCatalog, sampleCategories } from './sample-catalog';

const EXAMPLE = resolve(import.meta.dirname, '../../../docs/examples/catalog.csv');

describe('the local shop’s sample catalog', () => {
  it('is docs/examples/catalog.csv in the shop’s currency, prices scaled, quoted names kept', async () => {
    const csv = sampleCatalog(await readFile(EXAMPLE, 'utf8'), 'XOF', 1, 'fr');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('sku,name,price_minor,currency,tax_rate_bp,barcodes,category_id,quick_key,active');
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe('BAGUETTE,Baguette,250,XOF,1800,3017620422003,boulangerie,0,true');
    expect(lines[4]).toBe(
      'EAU-150,"Eau minérale 1,5 L",500,XOF,1800,6111245590012 6111245590029,boissons,1,true',
    );
    expect(lines[6]).toBe('SAVON,Savon de Marseille,700,XOF,1800,3760076920019,,,true');
  });

  it('is named in the language of the shop’s country: Indonesian in Jakarta, English in London', async () => {
    const example = await readFile(EXAMPLE, 'utf8');
    const id = sampleCatalog(example, 'IDR', 10_000, 'id').trimEnd().split('\r\n');
    expect(id[1]).toBe('BAGUETTE,Roti baguette,2500000,IDR,1800,3017620422003,boulangerie,0,true');
    // A translated name with a comma is quoted again, so the import reads one cell.
    expect(id[4]).toBe(
      'EAU-150,"Air mineral 1,5 L",5000000,IDR,1800,6111245590012 6111245590029,boissons,1,true',
    );
    expect(id[6]).toBe('SAVON,Sabun Marseille,7000000,IDR,1800,3760076920019,,,true');
    const en = sampleCatalog(example, 'GBP', 1, 'en').trimEnd().split('\r\n');
    expect(en[3]).toBe('CAFE-TOUBA,Touba coffee,150,GBP,1800,,boissons,0,true');
    expect(en[4]).toBe(
      'EAU-150,Mineral water 1.5 L,500,GBP,1800,6111245590012 6111245590029,boissons,1,true',
    );
    // No French name is left in an English or Indonesian catalog.
    for (const lines of [id, en]) expect(lines.join('\n')).not.toMatch(/Eau|Riz|Savon|Café/);

    expect(sampleCategories('id').map((c) => c.name)).toEqual(['Roti', 'Minuman']);
    expect(sampleCategories('en').map((c) => c.name)).toEqual(['Bakery', 'Drinks']);
    expect(sampleCategories('fr')).toEqual([
      { category_id: 'boulangerie', name: 'Boulangerie', position: 0 },
      { category_id: 'boissons', name: 'Boissons', position: 1 },
    ]);
    // Every category the example file uses is named in every language.
    const used = new Set(
      example
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').at(-3))
        .filter(Boolean),
    );
    for (const language of ['en', 'fr', 'id'] as const)
      expect(new Set(sampleCategories(language).map((c) => c.category_id))).toEqual(used);
  });
});

describe('which new windows the Electron shell opens in the system browser', () => {
  it('a back office on this machine only', () => {
    expect(isLocalConsoleUrl('http://127.0.0.1:51234/admin/')).toBe(true);
    expect(isLocalConsoleUrl('http://localhost:8098/admin/#/takings')).toBe(true);
    for (const url of [
      'http://192.0.2.7:8098/admin/',
      'https://127.0.0.1:8098/admin/',
      'http://127.0.0.1:8098/offline/tills',
      'http://user:pw@127.0.0.1:8098/admin/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(isLocalConsoleUrl(url), url).toBe(false);
  });
});
