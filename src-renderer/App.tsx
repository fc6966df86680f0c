import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSubscription } from './api/hooks';
import { ErrorBoundary } from './components/ErrorBoundary';
import { StatusBar } from './components/StatusBar';
import { setLocale } from './i18n';
import { EmptyScreen } from './screens/EmptyScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { SyncScreen } from './screens/SyncScreen';

const ROUTES = ['pos', 'library', 'sync', 'settings'] as const;
type Route = (typeof ROUTES)[number];

function routeFromHash(): Route {
  const name = location.hash.replace(/^#\/?/, '');
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'pos';
}

function Screen({ route }: { route: Route }) {
  const { t } = useTranslation();
  switch (route) {
    case 'pos':
      return <EmptyScreen heading={t('nav.pos')} text={t('pos.empty')} />;
    case 'library':
      return <EmptyScreen heading={t('nav.library')} text={t('library.empty')} />;
    case 'sync':
      return <SyncScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}

export function App() {
  const { t } = useTranslation();
  const [route, setRoute] = useState(routeFromHash);
  const { value: settings } = useSubscription('settings.changes');

  useEffect(() => {
    const onHash = () => setRoute(routeFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (settings) setLocale(settings.locale);
  }, [settings]);

  return (
    <div className="app">
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        {settings && <span className="terminal">{settings.terminalName}</span>}
        <StatusBar />
      </header>
      <nav className="nav" aria-label="Main">
        {ROUTES.map((name) => (
          <a key={name} href={`#/${name}`} aria-current={route === name ? 'page' : undefined}>
            {t(`nav.${name}`)}
          </a>
        ))}
      </nav>
      <main className="content">
        {/* Keyed by route so a crash in one screen is forgotten when the cashier moves on. */}
        <ErrorBoundary key={route}>
          <Screen route={route} />
        </ErrorBoundary>
      </main>
    </div>
  );
}
