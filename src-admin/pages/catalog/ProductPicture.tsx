import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogImageBody } from '../../../protocol/http/catalog-images';
import { MAX_CATALOG_IMAGE_BYTES } from '../../../protocol/http/catalog';
import { api, ApiError } from '../../api';
import { FormDialog } from '../../components/Dialog';
import type { Tenant } from './tenant';
import type { CatalogItemRecord } from './types';

/** Pictures read already, by SHA-256 (a new picture has a new one). */
const seen = new Map<string, string>();

/** A product's picture in the catalog list, read from the server (same origin, a data: URL). */
export function Thumbnail({ tenant, item }: { tenant: Tenant; item: CatalogItemRecord }) {
  const { t } = useTranslation();
  const sha = item.image?.sha256;
  const [loaded, setLoaded] = useState<{ sha: string; url: string }>();
  useEffect(() => {
    if (!sha || seen.has(sha)) return;
    let live = true;
    api<CatalogImageBody>(
      'GET',
      `/offline/catalog/${tenant.tenant_type}/${encodeURIComponent(tenant.tenant_id)}/items/${encodeURIComponent(item.sku)}/image`,
    ).then(
      (body) => {
        const url = `data:${body.content_type};base64,${body.data_base64}`;
        seen.set(body.sha256, url);
        if (live) setLoaded({ sha: body.sha256, url });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [tenant, item.sku, sha]);
  const url = sha ? (seen.get(sha) ?? (loaded?.sha === sha ? loaded.url : undefined)) : undefined;
  if (!url) return null;
  return (
    <img
      className="thumbnail"
      src={url}
      alt={t('productImage.alt', { name: item.name })}
      width={40}
      height={40}
      data-testid="product-thumbnail"
    />
  );
}

/** The file's bytes, base64 (FileReader's data: URL without its prefix). */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new ApiError(0, 'IMAGE_INVALID', 'The file cannot be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * Issue #19, item 6: upload or remove a product's picture. The server checks the bytes (type, size,
 * sides) and answers its own code; a file over the size limit is refused here with the same code
 * before it is sent.
 */
export function PictureDialog(props: {
  tenant: Tenant;
  item: CatalogItemRecord;
  onClose: () => void;
  onDone: (said: string) => void;
}) {
  const { t } = useTranslation();
  const { tenant, item } = props;
  return (
    <FormDialog
      title={t('productImage.title', { name: item.name })}
      submit={t('productImage.submit')}
      onClose={props.onClose}
      onSubmit={async (data) => {
        const file = data.get('picture');
        if (!(file instanceof File) || file.size === 0)
          throw new ApiError(0, 'IMAGE_TYPE_UNSUPPORTED', 'Choose a picture file');
        if (file.size > MAX_CATALOG_IMAGE_BYTES)
          throw new ApiError(413, 'IMAGE_TOO_LARGE', 'The picture is too large');
        await api(
          'POST',
          `/offline/catalog/${tenant.tenant_type}/${encodeURIComponent(tenant.tenant_id)}/items/${encodeURIComponent(item.sku)}/image`,
          { data_base64: await base64Of(file) },
        );
        props.onDone(t('productImage.saved', { name: item.name }));
      }}
    >
      <p className="hint">{t('productImage.intro', { kb: Math.floor(MAX_CATALOG_IMAGE_BYTES / 1024) })}</p>
      <label className="field">
        <span>{t('productImage.file')}</span>
        <input type="file" name="picture" accept="image/png,image/jpeg,image/webp" required />
      </label>
      {item.image && (
        <p>
          <button
            type="button"
            onClick={() =>
              void api(
                'DELETE',
                `/offline/catalog/${tenant.tenant_type}/${encodeURIComponent(tenant.tenant_id)}/items/${encodeURIComponent(item.sku)}/image`,
              ).then(
                () => props.onDone(t('productImage.removed', { name: item.name })),
                () => props.onDone(t('productImage.notRemoved', { name: item.name })),
              )
            }
          >
            {t('productImage.remove')}
          </button>
        </p>
      )}
    </FormDialog>
  );
}
