import { useTranslation } from 'react-i18next';
import type { Bookmark } from '../../../protocol/api';

export interface TocEntry {
  label: string;
  children: TocEntry[];
  go: () => void;
}

/** The material's table of contents (a PDF's outline, an EPUB's navigation) and the student's bookmarks. */
export function ReaderSidebar({
  toc,
  bookmarks,
  bookmarkLabel,
  goToBookmark,
  removeBookmark,
}: {
  toc: TocEntry[];
  bookmarks: Bookmark[];
  bookmarkLabel: (bookmark: Bookmark) => string;
  goToBookmark: (bookmark: Bookmark) => void;
  removeBookmark: (bookmark: Bookmark) => void;
}) {
  const { t } = useTranslation();
  return (
    <aside className="reader-sidebar">
      <nav aria-label={t('reader.contents')}>
        <h3>{t('reader.contents')}</h3>
        {toc.length === 0 ? <p className="hint">{t('reader.noContents')}</p> : <TocList entries={toc} />}
      </nav>
      <section aria-label={t('reader.bookmarks')}>
        <h3>{t('reader.bookmarks')}</h3>
        {bookmarks.length === 0 ? (
          <p className="hint">{t('reader.noBookmarks')}</p>
        ) : (
          <ul className="reader-bookmarks">
            {bookmarks.map((bookmark) => (
              <li key={bookmark.at}>
                <button type="button" className="link" onClick={() => goToBookmark(bookmark)}>
                  {bookmarkLabel(bookmark)}
                </button>
                <button
                  type="button"
                  className="secondary"
                  aria-label={t('reader.removeBookmark', { label: bookmarkLabel(bookmark) })}
                  onClick={() => removeBookmark(bookmark)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </aside>
  );
}

function TocList({ entries }: { entries: TocEntry[] }) {
  return (
    <ol className="reader-toc">
      {entries.map((entry, index) => (
        <li key={`${index}-${entry.label}`}>
          <button type="button" className="link" onClick={entry.go}>
            {entry.label}
          </button>
          {entry.children.length > 0 && <TocList entries={entry.children} />}
        </li>
      ))}
    </ol>
  );
}
