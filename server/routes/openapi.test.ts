import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/harness';
import { ROUTES, type RouteSpec } from '../../protocol/http';
import { openApiDocument, openApiPath, formattedOpenApi } from './openapi';

type Json = Record<string, unknown>;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * The structural rules of OpenAPI 3.1 a generator can break (§4.8 of the specification), checked
 * without its meta-schema (no validator for it is installed): the problems found, none when valid.
 * Every schema is compiled by Ajv as JSON Schema 2020-12, the dialect OpenAPI 3.1 uses.
 */
function openApiProblems(doc: Json): string[] {
  const problems: string[] = [];
  if (doc.openapi !== '3.1.0') problems.push('openapi is not 3.1.0');
  const info = doc.info as Json | undefined;
  if (typeof info?.title !== 'string' || typeof info.version !== 'string')
    problems.push('info.title/version');
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const components = (doc.components ?? {}) as { schemas?: Record<string, Json>; securitySchemes?: Json };
  // A $ref to a component names it in the document; Ajv finds it under an absolute id instead.
  const base = 'https://outpost.invalid/components/schemas/';
  const resolved = (schema: unknown) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${base}`)) as Json;
  for (const [name, schema] of Object.entries(components.schemas ?? {}))
    ajv.addSchema(resolved(schema), `${base}${name}`);
  const compile = (where: string, schema: unknown) => {
    try {
      ajv.compile(resolved(schema));
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
  };
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    if (!path.startsWith('/')) problems.push(`${path}: a path starts with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const [method, op] of Object.entries(item) as [string, Json][]) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!HTTP_METHODS.includes(method)) problems.push(`${where}: not an HTTP method`);
      const id = op.operationId as string;
      if (operationIds.has(id)) problems.push(`${where}: operationId ${id} twice`);
      operationIds.add(id);
      const params = (op.parameters ?? []) as Json[];
      const inPath = params.filter((p) => p.in === 'path').map((p) => p.name as string);
      if (inPath.sort().join() !== [...templated].sort().join())
        problems.push(`${where}: path parameters ${inPath.join()} ≠ template ${templated.join()}`);
      for (const p of params) {
        if (p.in === 'path' && p.required !== true) problems.push(`${where}: path parameter not required`);
        compile(`${where} parameter ${String(p.name)}`, p.schema);
      }
      const body = op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined;
      for (const [media, c] of Object.entries(body?.content ?? {}))
        compile(`${where} body ${media}`, c.schema);
      const responses = (op.responses ?? {}) as Record<string, Json>;
      if (Object.keys(responses).length === 0) problems.push(`${where}: no responses`);
      for (const [status, res] of Object.entries(responses)) {
        if (!/^[1-5](\d\d|XX)$/.test(status) && status !== 'default')
          problems.push(`${where}: response ${status}`);
        if (typeof res.description !== 'string') problems.push(`${where} ${status}: no description`);
        for (const [media, c] of Object.entries((res.content ?? {}) as Record<string, { schema: unknown }>))
          compile(`${where} ${status} ${media}`, c.schema);
      }
      for (const requirement of (op.security ?? []) as Json[])
        for (const scheme of Object.keys(requirement))
          if (!(scheme in (components.securitySchemes ?? {}))) problems.push(`${where}: security ${scheme}`);
    }
  }
  return problems;
}

describe('docs/openapi.json', () => {
  it('is what `npm run docs:api` generates from the route table (run it after changing a route)', async () => {
    const onDisk = await readFile(fileURLToPath(new URL('../../docs/openapi.json', import.meta.url)), 'utf8');
    expect(onDisk).toBe(await formattedOpenApi());
  });

  it('is a structurally valid OpenAPI 3.1 document whose schemas all compile as JSON Schema 2020-12', () => {
    expect(openApiProblems(openApiDocument())).toEqual([]);
  });

  it('has every route, with its method, path parameters, success status and error codes', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, Json>> };
    for (const [name, r] of Object.entries(ROUTES) as [string, RouteSpec][]) {
      const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
      expect(op?.operationId, name).toBe(name);
      const responses = op!.responses as Record<string, { description: string }>;
      expect(Object.keys(responses)).toContain(String(r.status));
      const described = Object.values(responses)
        .map((x) => x.description)
        .join(' ');
      for (const code of r.errors) expect(described, `${name} ${code}`).toContain(code);
    }
  });

  it('the check catches what a broken generator would write', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, Json>> };
    const broken = structuredClone(doc);
    const push = broken.paths['/offline/push']!.post!;
    (push.responses as Json)['200'] = {
      description: 'x',
      content: { 'application/json': { schema: { type: 'no-such-type' } } },
    };
    const status = broken.paths['/offline/bundles/{bundle_id}']!.get!;
    status.parameters = [];
    expect(openApiProblems(broken)).toEqual([
      expect.stringContaining('POST /offline/push 200 application/json'),
      expect.stringContaining('GET /offline/bundles/{bundle_id}: path parameters'),
    ]);
  });

  it('is served at GET /api/openapi.json, to anyone, as the server builds it', async () => {
    const server = await startTestServer();
    try {
      const res = await fetch(`${server.url}/api/openapi.json`);
      expect(res.status).toBe(200);
      const onDisk = await readFile(
        fileURLToPath(new URL('../../docs/openapi.json', import.meta.url)),
        'utf8',
      );
      expect(await res.json()).toEqual(JSON.parse(onDisk));
    } finally {
      await server.close();
    }
  });
});
