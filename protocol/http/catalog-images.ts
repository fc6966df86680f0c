import { z } from 'zod';
import {
  CatalogImageRef,
  CatalogImageType,
  MAX_CATALOG_IMAGE_BYTES,
  MAX_CATALOG_IMAGE_SIDE,
  MIN_CATALOG_IMAGE_SIDE,
} from './catalog';

import { CatalogItemParams } from './catalog-admin';
import { TrustErrorCode as E } from './codes';
import { PaymentErrorCode as P } from './payments';

/**
 * A product's picture (issue #19, item 6): uploaded in the back office, kept in PostgreSQL (never on
 * one server's disk), named by the item tills pull (`image`: its SHA-256, type and size) and fetched
 * by them apart, device-signed. Its type is told by its first bytes: PNG, JPEG or WebP only.
 */

const Base64 = z
  .string()
  .max(Math.ceil((MAX_CATALOG_IMAGE_BYTES * 4) / 3) + 4 + 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64');

/** POST /offline/catalog/:tenant_type/:tenant_id/items/:sku/image: the picture's bytes, base64. */
export const CatalogImageUpload = z.object({ data_base64: Base64 }).strict();
export const CatalogImageSaved = z.object({ sku: z.string(), image: CatalogImageRef });
export const CatalogImageRemoved = z.object({ sku: z.string(), removed: z.boolean() });

/** The picture itself: GET by the back office (bearer) or a till of the tenant (device-signed). */
export const CatalogImageBody = CatalogImageRef.extend({
  sku: z.string(),
  content_type: CatalogImageType,
  data_base64: Base64,
});
export type CatalogImageBody = z.infer<typeof CatalogImageBody>;
export const TerminalImageParams = z.object({ sku: CatalogItemParams.shape.sku });

export const CatalogImageErrorCode = {
  /** Not PNG, JPEG or WebP by its first bytes. */
  IMAGE_TYPE_UNSUPPORTED: 'IMAGE_TYPE_UNSUPPORTED',
  /** Over MAX_CATALOG_IMAGE_BYTES. */
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  /** A side under MIN_ or over MAX_CATALOG_IMAGE_SIDE. */
  IMAGE_DIMENSIONS: 'IMAGE_DIMENSIONS',
  /** Its header cannot be read (cut short or damaged). */
  IMAGE_INVALID: 'IMAGE_INVALID',
  /** The item has no picture. */
  IMAGE_NOT_FOUND: 'IMAGE_NOT_FOUND',
} as const;
export type CatalogImageErrorCode = (typeof CatalogImageErrorCode)[keyof typeof CatalogImageErrorCode];
export const CATALOG_IMAGE_ERROR_STATUS: Record<CatalogImageErrorCode, number> = {
  IMAGE_TYPE_UNSUPPORTED: 415,
  IMAGE_TOO_LARGE: 413,
  IMAGE_DIMENSIONS: 422,
  IMAGE_INVALID: 422,
  IMAGE_NOT_FOUND: 404,
};
const K = CatalogImageErrorCode;

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;
const signed = [E.INVALID_SIGNATURE, E.INVALID_NONCE, E.DEVICE_NOT_FOUND] as const;
const ITEM = '/offline/catalog/:tenant_type/:tenant_id/items/:sku/image';

/** Spread into ROUTES (./routes.ts). */
export const CATALOG_IMAGE_ROUTES = {
  setCatalogImage: {
    method: 'POST',
    path: ITEM,
    auth: ['pay_admin'],
    summary: `A product's picture, base64 in \`data_base64\`: PNG, JPEG or WebP by its first bytes (else 415 IMAGE_TYPE_UNSUPPORTED), at most ${MAX_CATALOG_IMAGE_BYTES} bytes (413 IMAGE_TOO_LARGE), each side ${MIN_CATALOG_IMAGE_SIDE}–${MAX_CATALOG_IMAGE_SIDE} px (422 IMAGE_DIMENSIONS), a header that reads (422 IMAGE_INVALID). Replaces the one before; kept in the database; tills get it on their next pull. Audited.`,
    params: CatalogItemParams,
    body: CatalogImageUpload,
    status: 200,
    response: CatalogImageSaved,
    errors: [
      ...bearer,
      'CATALOG_ITEM_NOT_FOUND',
      K.IMAGE_TYPE_UNSUPPORTED,
      K.IMAGE_TOO_LARGE,
      K.IMAGE_DIMENSIONS,
      K.IMAGE_INVALID,
    ],
  },
  removeCatalogImage: {
    method: 'DELETE',
    path: ITEM,
    auth: ['pay_admin'],
    summary:
      "Remove a product's picture (`removed: false`: it had none). Tills drop it on their next pull. Audited.",
    params: CatalogItemParams,
    status: 200,
    response: CatalogImageRemoved,
    errors: [...bearer, 'CATALOG_ITEM_NOT_FOUND'],
  },
  getCatalogImage: {
    method: 'GET',
    path: ITEM,
    auth: ['pay_admin', 'ops'],
    summary: "A product's picture, base64, with its SHA-256, type and size (for the back office's catalog).",
    params: CatalogItemParams,
    status: 200,
    response: CatalogImageBody,
    errors: [...bearer, K.IMAGE_NOT_FOUND],
  },
  terminalCatalogImage: {
    method: 'GET',
    path: '/offline/sync/catalog-images/:sku',
    auth: 'device',
    summary:
      "A picture the till's pulled catalog names (item `image`), for a POS terminal of the item's tenant: base64 with its SHA-256, type and size. The pull's signed statement covers the SHA-256, so the till keeps only bytes that hash to it. 404 IMAGE_NOT_FOUND when the item has none (any more).",
    params: TerminalImageParams,
    status: 200,
    response: CatalogImageBody,
    errors: [...signed, P.DEVICE_NOT_TERMINAL, K.IMAGE_NOT_FOUND],
  },
} as const;
