import { Component, type ErrorInfo, type ReactNode } from 'react';
import i18next from 'i18next';

interface State {
  error: Error | null;
}

/** A crash in one screen shows a readable message and a way out instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Screen crashed', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const t = i18next.t.bind(i18next);
    return (
      <div role="alert" className="error-screen">
        <h1>{t('errors.title')}</h1>
        <p className="error-message">{error.message}</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          {t('errors.reload')}
        </button>
      </div>
    );
  }
}
