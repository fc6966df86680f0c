import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formattedApiDocs } from './api-docs';

const target = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
await writeFile(target, await formattedApiDocs());
process.stdout.write(`wrote ${target}\n`);
