import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiContext } from './api/hooks';
import { connectToCore } from './api/connect';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { initI18n, preferredLocale } from './i18n';
import './styles.css';

await initI18n(preferredLocale(navigator.languages));
const client = connectToCore();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <ApiContext.Provider value={client}>
        <App />
      </ApiContext.Provider>
    </ErrorBoundary>
  </StrictMode>,
);
