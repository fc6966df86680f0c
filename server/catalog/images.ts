import { createHash } from 'node:crypto';
import {
  CATALOG_IMAGE_ERROR_STATUS,
  MAX_CATALOG_IMAGE_BYTES,
  MAX_CATALOG_IMAGE_SIDE,
  MIN_CATALOG_IMAGE_SIDE,
  type CatalogImageBody,
  type CatalogImageErrorCode,
  type CatalogImageRef,
} from '../../protocol/http';
import { imageHeader } from '../../protocol/image-header';
import type pg from 'pg';
import { appendAudit } from '../audit/chain';
import { nextTenantChange } from '../db/change-counters';
import { requirePaymentTerminal } from '../devices/terminal';
import { withTransaction, type Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { catalogError, type Tenant } from './store';

/**
 * A product's picture (issue #19, item 6). The bytes are checked here, whatever the client says:
 * the type from the first bytes (PNG, JPEG, WebP), the size, each side. They are kept in
 * offline_catalog_images; the item's `image` names them and its change is numbered, so tills fetch the
 * new one after their next pull (GET /offline/sync/catalog-images/:sku).
 */

type Names = 'setCatalogImage' | 'removeCatalogImage' | 'getCatalogImage' | 'terminalCatalogImage';

const imageError = (code: CatalogImageErrorCode, message: string) =>
  new HttpError(CATALOG_IMAGE_ERROR_STATUS[code], code, message);

/** The picture's facts, or the 4xx that says what is wrong with it. */
export function checkedImage(bytes: Buffer): CatalogImageRef {
  if (bytes.length > MAX_CATALOG_IMAGE_BYTES)
    throw imageError('IMAGE_TOO_LARGE', `A product's picture is at most ${MAX_CATALOG_IMAGE_BYTES} bytes`);
  const header = imageHeader(bytes);
  if (!header.ok)
    throw header.problem === 'unsupported'
      ? imageError('IMAGE_TYPE_UNSUPPORTED', 'A PNG, JPEG or WebP picture only (told by its bytes)')
      : imageError('IMAGE_INVALID', 'The picture is cut short or damaged: its size cannot be read');
  const { type, width, height } = header;
  const side = (n: number) => n >= MIN_CATALOG_IMAGE_SIDE && n <= MAX_CATALOG_IMAGE_SIDE;
  if (!side(width) || !side(height))
    throw imageError(
      'IMAGE_DIMENSIONS',
      `Each side of the picture is ${MIN_CATALOG_IMAGE_SIDE} to ${MAX_CATALOG_IMAGE_SIDE} pixels (this one is ${width}×${height})`,
    );
  return { sha256: createHash('sha256').update(bytes).digest('hex'), content_type: type, width, height };
}

async function readImage(db: Queryable, t: Tenant, sku: string): Promise<CatalogImageBody> {
  const { rows } = await db.query<CatalogImageRef & { bytes: Buffer }>(
    `SELECT sha256, content_type, width, height, bytes FROM offline_catalog_images
     WHERE tenant_type = $1 AND tenant_id = $2 AND sku = $3`,
    [t.tenant_type, t.tenant_id, sku],
  );
  const row = rows[0];
  if (!row) throw imageError('IMAGE_NOT_FOUND', 'This product has no picture');
  const { bytes, ...ref } = row;
  return { sku, ...ref, data_base64: bytes.toString('base64') };
}

/** The item's `image` set (or cleared) and its change numbered, so tills pull it; false: no such item. */
async function nameImage(client: pg.PoolClient, t: Tenant, sku: string, image: CatalogImageRef | null) {
  const change = await nextTenantChange(client, t);
  const { rowCount } = await client.query(
    `UPDATE offline_catalog_items SET image = $4::jsonb, updated_at = now(), change_seq = $5
     WHERE tenant_type = $1 AND tenant_id = $2 AND sku = $3`,
    [t.tenant_type, t.tenant_id, sku, image === null ? null : JSON.stringify(image), change],
  );
  if (!rowCount) throw catalogError('CATALOG_ITEM_NOT_FOUND', 'No item with this sku');
}

export function catalogImageHandlers(deps: TrustDeps): Pick<Handlers, Names> {
  const { pool } = deps;
  const audit = (client: Queryable, userId: string, t: Tenant, action: string, details: object) =>
    appendAudit(client, {
      actorType: 'user',
      actorId: userId,
      action,
      targetType: 'catalog',
      targetId: `${t.tenant_type}:${t.tenant_id}`,
      details: details as Record<string, unknown>,
    });
  return {
    setCatalogImage: async ({ params, body, user }) => {
      const { sku, ...t } = params;
      const bytes = Buffer.from(body.data_base64, 'base64');
      const image = checkedImage(bytes);
      await withTransaction(pool, async (client) => {
        await nameImage(client, t, sku, image);
        await client.query(
          `INSERT INTO offline_catalog_images (tenant_type, tenant_id, sku, content_type, sha256, width, height, bytes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (tenant_type, tenant_id, sku) DO UPDATE SET content_type = EXCLUDED.content_type,
             sha256 = EXCLUDED.sha256, width = EXCLUDED.width, height = EXCLUDED.height, bytes = EXCLUDED.bytes,
             created_at = EXCLUDED.created_at`,
          [
            t.tenant_type,
            t.tenant_id,
            sku,
            image.content_type,
            image.sha256,
            image.width,
            image.height,
            bytes,
          ],
        );
        await audit(client, user.id, t, 'catalog.image_set', { sku, ...image, bytes: bytes.length });
      });
      return { body: { sku, image } };
    },

    removeCatalogImage: async ({ params, user }) => {
      const { sku, ...t } = params;
      const removed = await withTransaction(pool, async (client) => {
        await nameImage(client, t, sku, null);
        const { rowCount } = await client.query(
          'DELETE FROM offline_catalog_images WHERE tenant_type = $1 AND tenant_id = $2 AND sku = $3',
          [t.tenant_type, t.tenant_id, sku],
        );
        if (rowCount) await audit(client, user.id, t, 'catalog.image_removed', { sku });
        return Boolean(rowCount);
      });
      return { body: { sku, removed } };
    },

    getCatalogImage: async ({ params }) => {
      const { sku, ...t } = params;
      return { body: await readImage(pool, t, sku) };
    },

    // Only the till's own tenant's pictures: the tenant comes from the device row, never the request.
    terminalCatalogImage: async ({ params, device, tx }) => {
      requirePaymentTerminal(device);
      const t = { tenant_type: device.tenant_type!, tenant_id: device.tenant_id! } as Tenant;
      return { body: await tx((client) => readImage(client, t, params.sku)) };
    },
  };
}
