import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

export type FindResult =
  { state: 'idle' | 'searching' } | { state: 'found'; current: number; total: number } | { state: 'none' };

/** Search inside the opened material: the query, next and previous, and how many matches. */
export function FindBar({
  result,
  find,
}: {
  result: FindResult;
  find: (query: string, direction: 'new' | 'next' | 'previous') => void;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!query.trim()) return;
    find(query, query === searched ? 'next' : 'new');
    setSearched(query);
  };
  return (
    <form className="find-bar row" role="search" onSubmit={submit}>
      <input
        type="search"
        aria-label={t('reader.searchLabel')}
        placeholder={t('reader.searchPlaceholder')}
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <button type="submit">{t('reader.search')}</button>
      <button
        type="button"
        className="secondary"
        disabled={result.state !== 'found'}
        onClick={() => find(searched, 'previous')}
      >
        {t('reader.previousMatch')}
      </button>
      <button
        type="button"
        className="secondary"
        disabled={result.state !== 'found'}
        onClick={() => find(searched, 'next')}
      >
        {t('reader.nextMatch')}
      </button>
      <span role="status" data-testid="find-result">
        {result.state === 'searching'
          ? t('reader.searching')
          : result.state === 'found'
            ? t('reader.matchOf', { current: result.current, count: result.total })
            : result.state === 'none'
              ? t('reader.noMatch')
              : ''}
      </span>
    </form>
  );
}
