import { createHash } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import {
  CatalogImageBody,
  MAX_CATALOG_IMAGE_BYTES,
  type CatalogImageType,
  type PaymentsPullResponse,
} from '../../../protocol/http';
import { imageHeader } from '../../../protocol/image-header';
import { encodeSetting, type SettingDoc } from '../store/schemas/index';

/**
 * Products' pictures on the till (issue #19, item 6). A verified pull names each picture by SHA-256
 * (`image` of a catalog=2 item, covered by the signed statement); after the pull the till fetches the
 * ones it lacks, keeps only bytes that hash to that name and read as the named type, in its
 * encrypted store, one document per picture (`pos.image.<sha256>`). A fetch that fails or brings
 * anything else is skipped and asked again after the next pull: a picture never breaks a pull.
 */

export const imageKey = (sha256: string) => `pos.image.${sha256}`;

type Wanted = { sha256: string; content_type: CatalogImageType };
/** What of the stored server catalog (back-office-catalog.ts) the pictures use. */
type ImagesState = { wanted?: Record<string, Wanted>; images?: Record<string, string> };

/** The pictures the page names, added to (or taken off) what the till wants, by sku. */
export function wantedAfter(
  wanted: Record<string, Wanted> | undefined,
  page: Pick<PaymentsPullResponse, 'catalog'>,
): Record<string, Wanted> {
  const next = { ...wanted };
  for (const item of page.catalog) {
    if (item.active && item.image)
      next[item.sku] = { sha256: item.image.sha256, content_type: item.image.content_type };
    else delete next[item.sku];
  }
  return next;
}

/** The picture's bytes when they are the one named, else null. */
export function verifiedImage(answer: unknown, want: Wanted): Buffer | null {
  const parsed = CatalogImageBody.safeParse(answer);
  if (!parsed.success) return null;
  const bytes = Buffer.from(parsed.data.data_base64, 'base64');
  if (bytes.length > MAX_CATALOG_IMAGE_BYTES) return null;
  if (createHash('sha256').update(bytes).digest('hex') !== want.sha256) return null;
  const header = imageHeader(bytes);
  return header.ok && header.type === want.content_type ? bytes : null;
}

/**
 * Fetches the wanted pictures the till does not hold and drops those no product names any more.
 * Returns the catalog with `images` (sku → sha256 held) brought up to date.
 */
export async function syncImages<T extends ImagesState>(
  settings: RxCollection<SettingDoc>,
  catalog: T,
  fetchOne: (sku: string) => Promise<unknown>,
  onSkipped: (sku: string, why: string) => void,
): Promise<T> {
  const wanted = catalog.wanted ?? {};
  const images: Record<string, string> = {};
  for (const [sku, want] of Object.entries(wanted)) {
    if ((await settings.findOne(imageKey(want.sha256)).exec()) !== null) {
      images[sku] = want.sha256;
      continue;
    }
    try {
      const bytes = verifiedImage(await fetchOne(sku), want);
      if (!bytes) {
        onSkipped(sku, 'the picture is not the one the signed catalog names');
        continue;
      }
      await settings.upsert({
        key: imageKey(want.sha256),
        value: encodeSetting({ content_type: want.content_type, data_base64: bytes.toString('base64') }),
        updatedAt: Date.now(),
      });
      images[sku] = want.sha256;
    } catch (err) {
      onSkipped(sku, err instanceof Error ? err.message : String(err));
    }
  }
  const kept = new Set(Object.values(images));
  for (const sha of new Set(Object.values(catalog.images ?? {})))
    if (!kept.has(sha)) await (await settings.findOne(imageKey(sha)).exec())?.remove();
  return { ...catalog, images };
}

/** A held picture as a data: URL for the screen (the renderer's CSP allows data: images), or null. */
export async function imageDataUrl(
  settings: RxCollection<SettingDoc>,
  sha256: string,
): Promise<string | null> {
  const doc = await settings.findOne(imageKey(sha256)).exec();
  if (!doc) return null;
  const { content_type, data_base64 } = JSON.parse(doc.value) as {
    content_type: string;
    data_base64: string;
  };
  return `data:${content_type};base64,${data_base64}`;
}
