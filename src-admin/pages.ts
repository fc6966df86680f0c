import type { ComponentType } from 'react';
import type { Role } from '../protocol/http/common';
import type { PageProps, PageRoute } from './page-props';
import { CashiersPage } from './pages/cashiers/CashiersPage';
import { CatalogPage } from './pages/catalog/CatalogPage';
import { ClassesPage } from './pages/classes/ClassesPage';
import { MaterialsPage } from './pages/materials/MaterialsPage';
import { ShopPage } from './pages/catalog/ShopPage';
import { HomePage } from './pages/home/HomePage';
import { EnrollmentPage } from './pages/enrollment/EnrollmentPage';
import { LaptopsPage } from './pages/laptops/LaptopsPage';
import { PeoplePage } from './pages/people/PeoplePage';
import { PoliciesPage } from './pages/policies/PoliciesPage';
import { TillsPage } from './pages/tills/TillsPage';
import { LedgerPage } from './pages/ledger/LedgerPage';
import { ReviewPage } from './pages/review/ReviewPage';
import { SalesPage } from './pages/sales/SalesPage';
import { TakingsPage } from './pages/takings/TakingsPage';
import { AuditPage } from './pages/audit/AuditPage';

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
  // Tills, laptops, enrollment codes, policies (#19 items 4-5): roles as protocol/http/back-office-routes.ts.
  { route: 'tills', Page: TillsPage, roles: ['pay_admin', 'ops'] },
  { route: 'enrollment', Page: EnrollmentPage, roles: ['pay_admin', 'ops'] },
  { route: 'laptops', Page: LaptopsPage, roles: ['pay_admin'] },
  { route: 'policies', Page: PoliciesPage, roles: ['pay_admin', 'ops'] },
  { route: 'review', Page: ReviewPage, roles: ['ops', 'pay_admin'] },
  { route: 'sales', Page: SalesPage, roles: ['pay_admin', 'ops'] },
  { route: 'takings', Page: TakingsPage, roles: ['pay_admin', 'ops'] },
  { route: 'ledger', Page: LedgerPage, roles: ['pay_admin', 'ops'] },
  { route: 'catalog', Page: CatalogPage, roles: ['pay_admin'] },
  { route: 'shop', Page: ShopPage, roles: ['pay_admin'] },
  { route: 'cashiers', Page: CashiersPage, roles: ['pay_admin'] }, // a shop's cashiers (#19 item 3)
  { route: 'audit', Page: AuditPage, roles: ['pay_admin', 'ops'] },
  // Materials and classes (#19 item 9): teachers only, as protocol/http/classes-routes.ts.
  { route: 'materials', Page: MaterialsPage, roles: ['teacher'] },
  { route: 'classes', Page: ClassesPage, roles: ['teacher'] },
];

export function pagesFor(roles: readonly Role[]): ConsolePage[] {
  return PAGES.filter((p) => p.roles === 'everyone' || p.roles.some((r) => roles.includes(r)));
}
