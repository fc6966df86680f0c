import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLocalConsoleUrl } from '../../../protocol/api/server-url';
import { sampleCatalog } from './local-shop';

const EXAMPLE = resolve(import.meta.dirname, '../../../docs/examples/catalog.csv');

describe('the local shop’s sample catalog', () => {
  it('is docs/examples/catalog.csv in the shop’s currency, prices scaled, quoted names kept', async () => {
    const csv = sampleCatalog(await readFile(EXAMPLE, 'utf8'), 'IDR', 10_000);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('sku,name,price_minor,currency,tax_rate_bp,barcodes,category_id,quick_key,active');
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe('BAGUETTE,Baguette,2500000,IDR,1800,3017620422003,boulangerie,0,true');
    expect(lines[4]).toBe(
      'EAU-150,"Eau minérale 1,5 L",5000000,IDR,1800,6111245590012 6111245590029,boissons,1,true',
    );
    expect(lines[6]).toBe('SAVON,Savon de Marseille,7000000,IDR,1800,3760076920019,,,true');
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
