import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formattedApiDocs } from './api-docs';
import { formattedOpenApi } from './openapi';
import { formattedTestVectors } from './test-vectors';

for (const [file, render] of [
  ['../../docs/api.md', formattedApiDocs],
  ['../../docs/openapi.json', formattedOpenApi],
] as const) {
  const target = fileURLToPath(new URL(file, import.meta.url));
  await writeFile(target, await render());
  process.stdout.write(`wrote ${target}\n`);
}

const vectors = fileURLToPath(new URL('../../docs/test-vectors/', import.meta.url));
await mkdir(vectors, { recursive: true });
for (const [name, text] of Object.entries(await formattedTestVectors())) {
  await writeFile(`${vectors}${name}`, text);
  process.stdout.write(`wrote ${vectors}${name}\n`);
}
