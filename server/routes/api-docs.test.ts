import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../protocol/http';
import { formattedApiDocs } from './api-docs';

describe('docs/api.md', () => {
  it('is what `npm run docs:api` generates from the route table (run it after changing a route)', async () => {
    const onDisk = await readFile(fileURLToPath(new URL('../../docs/api.md', import.meta.url)), 'utf8');
    expect(onDisk).toBe(await formattedApiDocs());
  });

  it('lists every route', async () => {
    const docs = await formattedApiDocs();
    for (const r of Object.values(ROUTES)) expect(docs).toContain(`## ${r.method} ${r.path}`);
  });
});
