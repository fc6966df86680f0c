import { useTranslation } from 'react-i18next';
import type { PageProps } from '../../page-props';
import { DeadLetters } from './DeadLetters';
import { HealthPanel } from './HealthPanel';

export function HomePage({ session, routes }: PageProps) {
  const { t } = useTranslation();
  const roles = session.user.roles.map((r) => t(`roles.${r}`)).join(', ');
  const more = routes.filter((r) => r !== 'home');
  const mine = session.user.roles;
  // Who reads GET /offline/health/overview (OPERATIONS_ROLES); /metrics takes ops alone.
  const operator = mine.includes('pay_admin') || mine.includes('ops');
  return (
    <>
      <h1>{t('home.title')}</h1>
      <p>{t('home.intro', { roles })}</p>
      {more.length === 0 ? (
        <p>{t('home.nothing')}</p>
      ) : (
        <ul>
          {more.map((route) => (
            <li key={route}>
              <a href={`#/${route}`}>{t(`nav.${route}`)}</a>
            </li>
          ))}
        </ul>
      )}
      {operator && <HealthPanel metrics={mine.includes('ops')} />}
      {operator && <DeadLetters />}
    </>
  );
}
