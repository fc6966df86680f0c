import { useTranslation } from 'react-i18next';
import { absoluteTime, relativeTime } from '../format';

/** A moment as "3 minutes ago" with the full date and time beside it, in the user's language. */
export function When({ iso, never }: { iso: string | null; never: string }) {
  const { i18n } = useTranslation();
  if (iso === null) return <>{never}</>;
  return (
    <time dateTime={iso} className="when">
      <span>{relativeTime(iso, Date.now(), i18n.language)}</span>
      <small>{absoluteTime(iso, i18n.language)}</small>
    </time>
  );
}
