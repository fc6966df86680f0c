import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
// The ES sources: the package's browser build carries Babel helpers that need eval, which our CSP forbids.
import ePub, { type Book, type Rendition } from 'epubjs/src/index.js';
import DefaultViewManager from 'epubjs/src/managers/default/index.js';
import IframeView from 'epubjs/src/managers/views/iframe.js';
import type { ViewerProps } from './viewer-props';
import { usePageKeys } from './use-page-keys';

// The sources still read a global `ePub` (for its version) that only the browser build defines.
(globalThis as { ePub?: unknown }).ePub ??= ePub;

type State = { url: string; chapter: number; count: number } | { url: string; error: string };

/**
 * An EPUB read in memory: the book is fetched from the content route and unzipped here; epub.js's
 * Cache Storage is turned off, since it would write the decrypted chapters to the profile on disk.
 */
export function ViewerEpub({ material }: ViewerProps) {
  const { t } = useTranslation();
  const stageRef = useRef<HTMLDivElement>(null);
  const renditionRef = useRef<Rendition | null>(null);
  const [state, setState] = useState<State>();
  const current = state && state.url === material.url ? state : undefined;
  const { print, copy } = material.rights;

  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    let book: Book | null = null;
    let live = true;
    const fail = (error: unknown) => {
      if (live)
        setState({ url: material.url, error: error instanceof Error ? error.message : String(error) });
    };
    (async () => {
      const res = await fetch(material.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = await res.arrayBuffer();
      book = await ePub(bytes, { cache: false, replacements: 'blobUrl', worker: false });
      if (!live) return book.destroy();
      // Classes, not names: the sources do not register the global `ePub` that names resolve through.
      const rendition = book.renderTo(stage, {
        width: '100%',
        height: '100%',
        flow: 'paginated',
        manager: DefaultViewManager,
        view: IframeView,
      });
      rendition.hooks.content.register(({ document }) => guardChapter(document, { print, copy }));
      renditionRef.current = rendition;
      const count = book.spine.length;
      rendition.on('displayed', (section) => {
        if (live) setState({ url: material.url, chapter: section.index, count });
      });
      rendition.on('displayerror', fail);
      await rendition.display(0);
    })().catch(fail);
    return () => {
      live = false;
      renditionRef.current = null;
      try {
        book?.destroy();
      } catch {
        // A book torn down half-open has nothing left to release.
      }
    };
  }, [material.url, print, copy]);

  const goTo = useCallback(
    (chapter: number) => {
      if (!current || 'error' in current) return;
      if (chapter < 0 || chapter >= current.count) return;
      void renditionRef.current?.display(chapter);
    },
    [current],
  );
  const chapter = current && 'chapter' in current ? current.chapter : 0;
  const count = current && 'count' in current ? current.count : 0;
  const previous = useCallback(() => goTo(chapter - 1), [goTo, chapter]);
  const next = useCallback(() => goTo(chapter + 1), [goTo, chapter]);
  usePageKeys(previous, next);

  return (
    <div className="viewer-epub">
      <div className="viewer-tools row" role="toolbar" aria-label={material.title}>
        <button type="button" onClick={previous} disabled={count === 0 || chapter <= 0}>
          {t('viewer.previousChapter')}
        </button>
        <span role="status" data-testid="epub-chapter">
          {count > 0 ? t('viewer.chapter', { index: chapter + 1, count }) : t('viewer.opening')}
        </span>
        <button type="button" onClick={next} disabled={count === 0 || chapter >= count - 1}>
          {t('viewer.nextChapter')}
        </button>
      </div>
      {current && 'error' in current && (
        <p role="alert" className="error-message">
          {t('viewer.failed', { error: current.error })}
        </p>
      )}
      <div ref={stageRef} className="epub-stage" data-testid="epub-stage" />
    </div>
  );
}

/**
 * The licence's rights inside a chapter: its iframe is a document of its own, which the dialog's
 * handlers and styles (Viewer.tsx) do not reach.
 */
function guardChapter(document: Document, rights: ViewerProps['material']['rights']): void {
  const block = (event: Event) => event.preventDefault();
  // A constructed sheet: the app's CSP, which the chapter inherits, refuses <style> elements.
  const adopt = (css: string) => {
    const sheet = new (document.defaultView ?? window).CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  };
  if (!rights.copy) {
    adopt('*, *::before, *::after { user-select: none !important; }');
    for (const type of ['copy', 'cut', 'contextmenu', 'dragstart', 'selectstart'])
      document.addEventListener(type, block, true);
  }
  if (!rights.print) {
    adopt('@media print { html, body { display: none !important; } }');
    document.addEventListener(
      'keydown',
      (event) => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'p') event.preventDefault();
      },
      true,
    );
  }
}
