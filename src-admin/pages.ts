import type { ComponentType } from 'react';
import type { Role } from '../protocol/http/common';
import type { PageProps, PageRoute } from './page-props';
import { CatalogPage } from './pages/catalog/CatalogPage';
import { ShopPage } from './pages/catalog/ShopPage';
import { HomePage } from './pages/home/HomePage';
import { PeoplePage } from './pages/people/PeoplePage';

export interface ConsolePage {
  /** The hash route (`#/people`); its name in the menu is `nav.<route>` in every locale. */
  readonly route: PageRoute;
  readonly Page: ComponentType<PageProps>;
  /**
   * Who sees the page: any of these roles, or everyone signed in. The server checks every route
   * again; this only keeps a user from pages that would answer 403.
   */
  readonly roles: readonly Role[] | 'everyone';
}

/**
 * The console's pages in menu order. A new page is one folder under pages/ and one entry here
 * (and its `nav.<route>` name in i18n/en.ts, fr.ts, id.ts); docs/architecture.md "Back office".
 */
export const PAGES: readonly ConsolePage[] = [
  { route: 'home', Page: HomePage, roles: 'everyone' },
  { route: 'people', Page: PeoplePage, roles: ['pay_admin'] },
  { route: 'catalog', Page: CatalogPage, roles: ['pay_admin'] },
  { route: 'shop', Page: ShopPage, roles: ['pay_admin'] },
];

export function pagesFor(roles: readonly Role[]): ConsolePage[] {
  return PAGES.filter((p) => p.roles === 'everyone' || p.roles.some((r) => roles.includes(r)));
}
