import { useTranslation } from 'react-i18next';
import type { LibraryItem } from '../../../protocol/api';
import { downloadErrorText, formatBytes } from './format';

/** Progress by chunk and byte while a download runs or waits; the failure in words when it stopped. */
export function DownloadStatus({ item }: { item: LibraryItem }) {
  const { t, i18n } = useTranslation();
  const { download } = item;
  const figures = {
    done: download.chunksDone,
    total: download.chunkCount,
    bytes: formatBytes(download.bytesDone, i18n.language),
    size: formatBytes(item.sizeBytes, i18n.language),
  };
  const showBar = ['queued', 'downloading', 'paused', 'verifying'].includes(download.state);
  return (
    <div className="download" data-testid="download-state" data-state={download.state}>
      {showBar && (
        <progress
          max={Math.max(download.chunkCount, 1)}
          value={download.chunksDone}
          aria-label={t('library.progress', { title: item.title })}
          aria-valuetext={t('library.download_downloading', figures)}
        />
      )}
      <span className={download.state === 'failed' ? 'error-message' : undefined}>
        {download.state === 'failed'
          ? t('library.download_failed', { error: downloadErrorText(t, item) })
          : t(`library.download_${download.state}`, figures)}
      </span>
    </div>
  );
}
