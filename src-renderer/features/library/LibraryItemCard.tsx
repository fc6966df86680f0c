import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { LibraryItem } from '../../../protocol/api';
import { DownloadStatus } from './DownloadStatus';
import { formatBytes, licenceStatus, licenceText, licenceTimeLeft, typeText } from './format';

export type ItemAction = 'download' | 'pause' | 'open' | 'renew' | 'return' | 'remove';

/** One material: what it is, how far its download went, its licence in words, and what can be done. */
export function LibraryItemCard({
  item,
  now,
  busy,
  message,
  onAction,
}: {
  item: LibraryItem;
  now: number;
  busy: boolean;
  message: { text: string; ok?: boolean } | undefined;
  onAction: (action: ItemAction, trigger: HTMLButtonElement) => void;
}) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const { download, licence } = item;
  const title = item.title;
  const fetching = ['queued', 'downloading', 'verifying'].includes(download.state);
  const canDownload = download.state === 'none' || download.state === 'failed' || download.state === 'paused';
  const hasLicence = licence.licenceId !== null && !['returned', 'revoked', 'none'].includes(licence.state);
  const blocked = ['offline_expired', 'expired', 'revoked', 'returned'].includes(licence.state);
  const status = licenceStatus(item);
  const left = licenceTimeLeft(t, item, now);
  // Renewal needs a licence the server may still extend: not one it revoked or took back.
  const canRenew = hasLicence && licence.state !== 'renewing';

  const button = (action: ItemAction, label: string, name: string, className?: string) => (
    <button
      type="button"
      className={className}
      aria-label={name}
      disabled={busy}
      onClick={(event) => onAction(action, event.currentTarget)}
    >
      {label}
    </button>
  );

  return (
    <article
      className="material"
      aria-labelledby={headingId}
      data-testid="material"
      data-material-id={item.materialId}
    >
      <h2 id={headingId} className="material-title">
        {title}
      </h2>
      <p className="material-facts">
        {typeText(t, item.contentType)} · {formatBytes(item.sizeBytes, i18n.language)}
        {!item.available && <> · {t('library.withdrawn')}</>}
      </p>
      <DownloadStatus item={item} />
      <p
        className={blocked ? 'licence licence-blocked' : 'licence'}
        data-testid="licence-state"
        data-state={licence.state}
      >
        {licenceText(t, item, i18n.language, now)}
      </p>
      {status && (
        <p className="licence-status row">
          <span className={`badge status-${status}`} data-testid="licence-status" data-status={status}>
            {t(`reader.status_${status}`)}
          </span>
          {left.days && <span data-testid="licence-days">{left.days}</span>}
          {left.grace && <span data-testid="licence-grace">{left.grace}</span>}
        </p>
      )}
      <div className="row material-actions">
        {download.state === 'ready' && button('open', t('library.open'), t('library.openOf', { title }))}
        {canDownload &&
          item.available &&
          (download.state === 'paused'
            ? button('download', t('library.resume'), t('library.resumeOf', { title }))
            : download.state === 'failed'
              ? button('download', t('library.retry'), t('library.retryOf', { title }))
              : button('download', t('library.download'), t('library.downloadOf', { title })))}
        {fetching &&
          download.state !== 'verifying' &&
          button('pause', t('library.pause'), t('library.pauseOf', { title }), 'secondary')}
        {canRenew && button('renew', t('reader.renew'), t('reader.renewOf', { title }), 'secondary')}
        {hasLicence && button('return', t('library.return'), t('library.returnOf', { title }), 'secondary')}
        {(download.bytesDone > 0 || download.state === 'ready') &&
          !fetching &&
          button('remove', t('library.remove'), t('library.removeOf', { title }), 'danger')}
      </div>
      {message &&
        (message.ok ? (
          <p role="status" className="ok-message">
            {message.text}
          </p>
        ) : (
          <p role="alert" className="error-message">
            {message.text}
          </p>
        ))}
    </article>
  );
}
