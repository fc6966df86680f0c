import type { ConsoleSession } from '../protocol/http/console';
import type { Messages } from './i18n/en';

export type PageRoute = keyof Omit<Messages['nav'], 'label'>;

/** What every page of pages.ts is given. */
export interface PageProps {
  session: ConsoleSession;
  /** The routes this user's roles may see, in menu order. */
  routes: readonly PageRoute[];
}
