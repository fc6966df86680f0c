import { z } from 'zod';

/** The server's own OpenAPI document (issue #20): docs/openapi.json, served as the server builds it. */
export const OpenApiDocument = z.record(z.string(), z.unknown());

export const OPENAPI_ROUTES = {
  openApi: {
    method: 'GET',
    path: '/api/openapi.json',
    auth: 'public',
    summary:
      'The OpenAPI 3.1 document of every route of this server, generated from its route table and zod schemas (the same as docs/openapi.json). The wire formats, refusals and scores are in docs/protocol.md.',
    status: 200,
    response: OpenApiDocument,
    errors: [],
  },
} as const;
