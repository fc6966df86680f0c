import { z } from 'zod';
import { httpErrorBodySchema, ROUTES, type RouteSpec } from '../../protocol/http';
import { statusOf } from './api-docs';

/**
 * docs/openapi.json (OpenAPI 3.1), generated from the same route table and zod schemas as
 * docs/api.md by `npm run docs:api` (issue #20). Schemas come from zod's own `z.toJSONSchema`
 * (JSON Schema 2020-12, which OpenAPI 3.1 uses as is); nothing here is written by hand but the
 * security schemes, which name the headers docs/protocol.md §3 defines.
 */

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json.$schema;
  return json;
}

/** Express `:name` segments become OpenAPI `{name}` templates. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

const DEVICE_SIGNATURE = ['deviceId', 'deviceTimestamp', 'deviceNonce', 'deviceSignature'] as const;

function security(auth: RouteSpec['auth']): Json[] {
  if (auth === 'public') return [];
  if (auth === 'device' || auth === 'enrollment')
    return [Object.fromEntries(DEVICE_SIGNATURE.map((name) => [name, []]))];
  if (auth === 'operator') return [{ bearer: [] }];
  return [{ bearer: [...auth] }, { consoleSession: [...auth] }];
}

function parameters(r: RouteSpec): Json[] {
  const from = (schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] => {
    if (!schema) return [];
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, property]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      schema: property,
    }));
  };
  return [...from(r.params, 'path'), ...from(r.query, 'query')];
}

function successContent(r: RouteSpec): Json | undefined {
  if (r.status === 204) return undefined;
  const media = { json: 'application/json', text: 'text/plain', binary: 'application/octet-stream' }[
    r.responseType ?? 'json'
  ];
  const schema = r.responseType === 'binary' ? { type: 'string', contentMediaType: media } : null;
  return { [media]: { schema: schema ?? jsonSchema(r.response, 'output') } };
}

function responses(r: RouteSpec): Json {
  const out: Json = {
    [String(r.status)]: {
      description: r.status === 204 ? 'No content' : 'Success',
      ...(successContent(r) ? { content: successContent(r) } : {}),
    },
  };
  const byStatus = new Map<number, string[]>();
  for (const code of r.errors) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b))
    out[String(status)] = {
      description: `error.code: ${codes.join(', ')}`,
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              { properties: { error: { properties: { code: { enum: codes } } } } },
            ],
          },
        },
      },
    };
  out.default = {
    description:
      'Any route may also answer the generic errors of docs/api.md (400 INVALID_JSON, VALIDATION_FAILED, CONTROL_CHARACTERS, JSON_TOO_DEEP; 413; 415; 500).',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  return out;
}

function operation(name: string, r: RouteSpec): Json {
  return {
    operationId: name,
    summary: r.summary,
    security: security(r.auth),
    ...(r.params || r.query ? { parameters: parameters(r) } : {}),
    ...(r.body || r.handlerBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema((r.body ?? r.handlerBody)!, 'input') } },
          },
        }
      : {}),
    responses: responses(r),
  };
}

const header = (name: string, description: string): Json => ({
  type: 'apiKey',
  in: 'header',
  name,
  description,
});

export function openApiDocument(routes: Record<string, RouteSpec> = ROUTES): Json {
  const paths: Record<string, Json> = {};
  for (const [name, r] of Object.entries(routes)) {
    const at = (paths[openApiPath(r.path)] ??= {});
    at[r.method.toLowerCase()] = operation(name, r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Outpost server HTTP API',
      version: '1',
      description:
        'Generated from protocol/http/routes.ts by `npm run docs:api`; do not edit by hand. The wire formats (canonical JSON, signatures, HPKE, bundles, QR codes, licences) and every refusal and score of a push are in docs/protocol.md; this document gives the routes and their JSON shapes.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Error: jsonSchema(httpErrorBodySchema, 'output') },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Access token of POST /auth/sign-in (EdDSA JWT, 15 minutes); scopes are roles.',
        },
        consoleSession: header(
          'x-csrf-token',
          "The back office's session cookie with its CSRF token (docs/api.md, Authentication).",
        ),
        deviceId: header('x-outpost-device', 'The device id (docs/protocol.md §3).'),
        deviceTimestamp: header('x-outpost-timestamp', 'Milliseconds since the Unix epoch, 13 digits.'),
        deviceNonce: header('x-outpost-nonce', '16 random bytes, base64url; single use.'),
        deviceSignature: header(
          'x-outpost-signature',
          'Ed25519 over the canonical JSON of { v, method, path, body, device, ts, nonce } (docs/protocol.md §3).',
        ),
      },
    },
  };
}

let served: Json | undefined;

/** GET /api/openapi.json: the document, built once from the route table the server runs. */
export function openApiHandlers() {
  return {
    openApi: async () => ({ body: (served ??= openApiDocument()) }),
  };
}

/** Formatted the way `prettier --check` wants it, so lint and the freshness test agree. */
export async function formattedOpenApi(): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig('docs/openapi.json')) ?? {};
  return prettier.format(JSON.stringify(openApiDocument()), { ...options, parser: 'json' });
}
