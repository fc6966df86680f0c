import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSubscription } from './api/hooks';
import { ErrorBoundary } from './components/ErrorBoundary';
import { PendingBanner } from './components/PendingBanner';
import { StatusBar } from './components/StatusBar';
import { setLocale } from './i18n';
import { LibraryScreen } from './screens/LibraryScreen';
import { PosScreen } from './screens/PosScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { SyncScreen } from './screens/SyncScreen';

const ROUTES = ['pos', 'library', 'sync', 'settings'] as const;
type Route = (typeof ROUTES)[number];

function routeFromHash(): Route {
  const name = location.hash.replace(/^#\/?/, '');
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'pos';
}

/** Which screens IT's provisioning allows: POS and Sync go with 'pos', Library with 'library'. */
function allowedRoutes(features: readonly string[]): Route[] {
  return ROUTES.filter((r) => r === 'settings' || features.includes(r === 'library' ? 'library' : 'pos'));
}

function Screen({ route }: { route: Route }) {
  switch (route) {
    case 'pos':
      return <PosScreen />;
    case 'library':
      return <LibraryScreen />;
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
  const { value: status } = useSubscription('device.status');
  const allowed = allowedRoutes(status?.features ?? ['pos', 'library']);
  const shown = allowed.includes(route) ? route : (allowed[0] ?? 'settings');

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
        {allowed.map((name) => (
          <a key={name} href={`#/${name}`} aria-current={shown === name ? 'page' : undefined}>
            {t(`nav.${name}`)}
          </a>
        ))}
      </nav>
      <main className="content">
        <PendingBanner />
        {/* Keyed by route so a crash in one screen is forgotten when the cashier moves on. */}
        <ErrorBoundary key={shown}>
          <Screen route={shown} />
        </ErrorBoundary>
      </main>
    </div>
  );
}
