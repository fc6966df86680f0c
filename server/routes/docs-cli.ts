import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formattedApiDocs } from './api-docs';
import { formattedOpenApi } from './openapi';

for (const [file, render] of [
  ['../../docs/api.md', formattedApiDocs],
  ['../../docs/openapi.json', formattedOpenApi],
] as const) {
  const target = fileURLToPath(new URL(file, import.meta.url));
  await writeFile(target, await render());
  process.stdout.write(`wrote ${target}\n`);
}
