import { useEffect, useState } from 'react';
import { useApi } from '../../api/hooks';

/** Pictures already read, by SHA-256: a key or a result shown again does not ask the core again. */
const seen = new Map<string, string | null>();

/**
 * A product's picture on its quick key or search result (issue #19, item 6), when the till holds
 * one: the core gives it as a data: URL from its encrypted store. Decorative (the name is beside
 * it), so screen readers skip it; nothing is shown while it loads or when it cannot be had.
 */
export function ProductImage({ sha256, size }: { sha256: string | null | undefined; size: number }) {
  const api = useApi();
  const [loaded, setLoaded] = useState<{ sha256: string; url: string | null }>();
  useEffect(() => {
    if (!sha256 || seen.has(sha256)) return;
    let live = true;
    api.call('pos.catalog.image', { sha256 }).then(
      ({ url }) => {
        seen.set(sha256, url);
        if (live) setLoaded({ sha256, url });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, sha256]);
  const url = sha256 ? (seen.get(sha256) ?? (loaded?.sha256 === sha256 ? loaded.url : null)) : null;
  if (!url) return null;
  return (
    <img
      className="product-image"
      src={url}
      alt=""
      width={size}
      height={size}
      data-testid="product-image"
      data-sha256={sha256}
    />
  );
}
