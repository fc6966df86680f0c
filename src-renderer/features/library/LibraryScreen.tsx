import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, LibraryItem, OpenedMaterial } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { LibraryItemCard, type ItemAction } from './LibraryItemCard';
import { Viewer } from './Viewer';
import { useNow } from './use-now';
import { errorText } from '../../i18n/error-text';
import { formatTime } from '../pos/format';

/** The student's materials: take, download, read offline, give back. */
export function LibraryScreen() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { value: status } = useSubscription('device.status');
  const { value: view, error: viewError } = useSubscription('library.items');
  const now = useNow();
  const [refreshing, setRefreshing] = useState(false);
  const [refreshError, setRefreshError] = useState<string>();
  const [busy, setBusy] = useState<string | null>(null);
  const [messages, setMessages] = useState<Record<string, { text: string; ok?: boolean }>>({});
  const [opened, setOpened] = useState<OpenedMaterial | null>(null);
  // Focus goes back to the button that opened the viewer, so the keyboard user keeps their place.
  const returnFocus = useRef<HTMLButtonElement | null>(null);
  const registered = status?.enrollment === 'enrolled';

  const refresh = async (quiet: boolean) => {
    setRefreshing(true);
    setRefreshError(undefined);
    try {
      await api.call('library.refresh', {});
    } catch (caught) {
      if (!quiet) setRefreshError(errorText(t, caught as ApiError));
    } finally {
      setRefreshing(false);
    }
  };

  // A fresh list on arrival; failure is already in the view's lastError (offline, …).
  useEffect(() => {
    if (!registered) return;
    api.call('library.refresh', {}).catch(() => undefined);
  }, [api, registered]);

  const act = async (item: LibraryItem, action: ItemAction, trigger: HTMLButtonElement) => {
    const ref = { materialId: item.materialId };
    if (action === 'return' && !window.confirm(t('library.confirmReturn', { title: item.title }))) return;
    setBusy(item.materialId);
    setMessages(({ [item.materialId]: _dropped, ...rest }) => rest);
    try {
      if (action === 'open') {
        returnFocus.current = trigger;
        setOpened(await api.call('library.open', ref));
      } else if (action === 'download') await api.call('library.download', ref);
      else if (action === 'pause') await api.call('library.pause', ref);
      else if (action === 'renew') {
        await api.call('library.renew', ref);
        setMessages((m) => ({ ...m, [item.materialId]: { text: t('reader.renewed'), ok: true } }));
      } else if (action === 'return') await api.call('library.return', ref);
      else await api.call('library.remove', ref);
    } catch (caught) {
      const reason = errorText(t, caught as ApiError);
      const text = action === 'open' ? t('library.cannotOpen', { title: item.title, reason }) : reason;
      setMessages((m) => ({ ...m, [item.materialId]: { text } }));
    } finally {
      setBusy(null);
    }
  };

  const close = () => {
    if (!opened) return;
    const ref = { materialId: opened.materialId };
    setOpened(null);
    // The content URL dies with the viewer; a failure here only means it was already gone.
    api.call('library.close', ref).catch(() => undefined);
  };

  // Focus goes back only once the modal viewer is gone: while it is open, the rest of the page is inert.
  useEffect(() => {
    if (opened) return;
    returnFocus.current?.focus();
    returnFocus.current = null;
  }, [opened]);

  let body;
  if (!status) body = <p className="empty">{t('pos.loading')}</p>;
  else if (status.enrollment === 'revoked')
    body = <p className="error-message">{t('library.deviceRevoked')}</p>;
  else if (!registered)
    body = (
      <div className="notice" data-testid="library-not-registered">
        <p>{t('library.notRegistered')}</p>
        <p>
          <a href="#/settings">{t('library.registerLink')}</a>
        </p>
      </div>
    );
  else
    body = (
      <>
        <div className="library-bar">
          <p data-testid="library-last-sync">
            {t('library.lastSync', {
              when: formatTime(view?.lastSyncAt ?? null, i18n.language) ?? t('library.never'),
            })}
          </p>
          <button type="button" onClick={() => void refresh(false)} disabled={refreshing}>
            {refreshing ? t('library.refreshing') : t('library.refresh')}
          </button>
        </div>
        {view?.lastError && (
          <p role="status" className="warn" data-testid="library-error">
            {view.lastError}
          </p>
        )}
        {(refreshError ?? viewError) && (
          <p role="alert" className="error-message">
            {refreshError ?? (viewError && errorText(t, viewError))}
          </p>
        )}
        {!view ? (
          !viewError && <p className="empty">{t('pos.loading')}</p>
        ) : view.items.length === 0 ? (
          <p className="empty">{t('library.empty')}</p>
        ) : (
          <ul className="materials" aria-label={t('library.list')}>
            {view.items.map((item) => (
              <li key={item.materialId}>
                <LibraryItemCard
                  item={item}
                  now={now}
                  busy={busy === item.materialId}
                  message={messages[item.materialId]}
                  onAction={(action, trigger) => void act(item, action, trigger)}
                />
              </li>
            ))}
          </ul>
        )}
      </>
    );

  return (
    <section className="screen">
      <h1>{t('nav.library')}</h1>
      {body}
      {opened && <Viewer material={opened} onClose={close} />}
    </section>
  );
}
