import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiContext } from './api/hooks';
import { connectToCore } from './api/connect';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { initI18n } from './i18n';
import './styles.css';

const preferred = navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
await initI18n(preferred);
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
