import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSubscription } from './api/hooks';
import { ErrorBoundary } from './components/ErrorBoundary';
import { PendingBanner } from './components/PendingBanner';
import { StatusBar } from './components/StatusBar';
import { setLocale } from './i18n';
import { SCREENS, SETTINGS_SCREEN, type ScreenEntry } from './features/screens';

function routeFromHash(): string {
  return location.hash.replace(/^#\/?/, '');
}

/** The screens IT's provisioning allows on this device. */
function allowedScreens(features: readonly string[]): ScreenEntry[] {
  return SCREENS.filter((s) => s.feature === null || features.includes(s.feature));
}

export function App() {
  const { t } = useTranslation();
  const [route, setRoute] = useState(routeFromHash);
  const { value: settings } = useSubscription('settings.changes');
  const { value: status } = useSubscription('device.status');
  const allowed = allowedScreens(status?.features ?? ['pos', 'library']);
  const shown = allowed.find((s) => s.route === route) ?? allowed[0] ?? SETTINGS_SCREEN;

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
        {allowed.map(({ route: name }) => (
          <a key={name} href={`#/${name}`} aria-current={shown.route === name ? 'page' : undefined}>
            {t(`nav.${name}`)}
          </a>
        ))}
      </nav>
      <main className="content">
        <PendingBanner />
        {/* Keyed by route so a crash in one screen is forgotten when the cashier moves on. */}
        <ErrorBoundary key={shown.route}>
          <shown.Screen />
        </ErrorBoundary>
      </main>
    </div>
  );
}
