import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleSession } from '../protocol/http/console';
import { api, ApiError, useSession } from './api';
import { AcceptLinkPage } from './entry/AcceptLinkPage';
import { SetupPage } from './entry/SetupPage';
import { SignInPage } from './entry/SignInPage';
import { LOCALE_NAMES, LOCALES, setLocale, type Locale } from './i18n';
import { pagesFor } from './pages';

const subscribe = (fn: () => void) => {
  window.addEventListener('hashchange', fn);
  return () => window.removeEventListener('hashchange', fn);
};
const useHash = () => useSyncExternalStore(subscribe, () => location.hash);

function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span>{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The console: the setup and password links (`#setup=`, `#link=`) come first, then sign-in, then
 * the pages of pages.ts the user's roles may see, one hash route each (`#/people`).
 */
export function App() {
  const { t } = useTranslation();
  const hash = useHash();
  const [session, setSession] = useState<ConsoleSession | null>();
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    api<ConsoleSession>('GET', '/console/session').then(
      (s) => setSession(s),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) setSession(null);
        else setSession(null);
      },
    );
  }, []);
  useSession(session ?? undefined);

  const done = (key: 'setup.done' | 'link.done') => (email: string) => {
    setNotice(t(key, { email }));
    history.replaceState(null, '', location.pathname);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  };

  let body;
  const setup = /^#setup=([A-Za-z0-9_-]+)$/.exec(hash)?.[1];
  const link = /^#link=([A-Za-z0-9_-]+)$/.exec(hash)?.[1];
  if (setup) body = <SetupPage token={setup} onDone={done('setup.done')} />;
  else if (link) body = <AcceptLinkPage token={link} onDone={done('link.done')} />;
  else if (session === undefined) body = null;
  else if (session === null)
    body = (
      <SignInPage
        {...(notice === undefined ? {} : { notice })}
        onSignedIn={(s) => {
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  else {
    const pages = pagesFor(session.user.roles);
    const current = pages.find((p) => `#/${p.route}` === hash) ?? pages[0]!;
    const signOut = () => {
      api('DELETE', '/console/session').finally(() => setSession(null));
    };
    body = (
      <div className="shell">
        <nav aria-label={t('nav.label')}>
          <ul>
            {pages.map((p) => (
              <li key={p.route}>
                <a href={`#/${p.route}`} aria-current={p === current ? 'page' : undefined}>
                  {t(`nav.${p.route}`)}
                </a>
              </li>
            ))}
          </ul>
          <p className="who">{t('app.signedInAs', { email: session.user.email })}</p>
          <button type="button" onClick={signOut}>
            {t('app.signOut')}
          </button>
        </nav>
        <main>
          <current.Page session={session} routes={pages.map((p) => p.route)} />
        </main>
      </div>
    );
  }

  return (
    <>
      <header>
        <span className="brand">{t('app.title')}</span>
        <LanguagePicker />
      </header>
      {body}
    </>
  );
}
