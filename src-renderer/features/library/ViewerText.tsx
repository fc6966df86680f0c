import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ViewerProps } from './viewer-props';

type Loaded = { url: string; text: string } | { url: string; error: string };

/** Plain text and Markdown, shown as written (Markdown is readable as it stands). */
export function ViewerText({ material }: ViewerProps) {
  const { t } = useTranslation();
  const [loaded, setLoaded] = useState<Loaded>();

  useEffect(() => {
    const controller = new AbortController();
    fetch(material.url, { signal: controller.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        setLoaded({ url: material.url, text: await res.text() });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted)
          setLoaded({ url: material.url, error: error instanceof Error ? error.message : String(error) });
      });
    return () => controller.abort();
  }, [material.url]);

  if (!loaded || loaded.url !== material.url) return <p className="empty">{t('viewer.opening')}</p>;
  if ('error' in loaded)
    return (
      <p role="alert" className="error-message">
        {t('viewer.failed', { error: loaded.error })}
      </p>
    );
  return (
    <pre className="viewer-text" tabIndex={0} data-testid="viewer-text">
      {loaded.text}
    </pre>
  );
}
