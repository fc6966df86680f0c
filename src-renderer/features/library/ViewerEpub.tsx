import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
// Registers <foliate-view>; foliate loads its paginator, EPUB parser and zip reader as modules of
// our own origin (Vite bundles the dynamic imports), so the CSP's script-src 'self' covers them.
import { View, type FoliateRelocate, type FoliateTocItem } from 'foliate-js/view.js';
import { Overlayer } from 'foliate-js/overlayer.js';
import { FindBar, type FindResult } from './FindBar';
import { ReaderSidebar, type TocEntry } from './ReaderSidebar';
import { setReaderPrefs, useReaderPrefs, type ReaderPrefs } from './reader-prefs';
import { useReading } from './use-reading';
import type { ViewerProps } from './viewer-props';
import { usePageKeys } from './use-page-keys';

const FONT_STEPS = [80, 90, 100, 120, 140, 170, 200];

/**
 * An EPUB through foliate-js: fetched from the content route into memory, unzipped there, each
 * chapter shown from a blob: URL of that memory. Search reads the chapters into in-memory
 * documents; nothing reaches a cache or the disk.
 */
export function ViewerEpub({ material }: ViewerProps) {
  const { t } = useTranslation();
  const stageRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<View | null>(null);
  const prefs = useReaderPrefs();
  const prefsRef = useRef(prefs);
  const sheets = useRef(new Map<Document, CSSStyleSheet>());
  const reading = useReading(material);
  const moved = reading.moved;
  const [error, setError] = useState<string>();
  const [toc, setToc] = useState<TocEntry[]>([]);
  const [where, setWhere] = useState<{ label: string; percent: number; cfi: string }>();
  const [fontPx, setFontPx] = useState<number>();
  const [found, setFound] = useState<FindResult>({ state: 'idle' });
  const matches = useRef<{ cfis: string[]; at: number }>({ cfis: [], at: -1 });
  const { print, copy } = material.rights;

  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    let live = true;
    const shown = sheets.current;
    const view = new View();
    viewRef.current = view;
    view.className = 'epub-view';
    stage.append(view);
    const fail = (failure: unknown) => {
      if (live) setError(failure instanceof Error ? failure.message : String(failure));
    };
    view.addEventListener('load', (event) => {
      const { doc } = (event as CustomEvent<{ doc: Document }>).detail;
      guardChapter(doc, { print, copy });
      const sheet = new (doc.defaultView ?? window).CSSStyleSheet();
      shown.set(doc, sheet);
      doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      applyLook(doc, sheet, prefsRef.current);
      if (live) setFontPx(bodyFontPx(doc));
    });
    view.addEventListener('relocate', (event) => {
      const { cfi, fraction, tocItem } = (event as CustomEvent<FoliateRelocate>).detail;
      if (!live) return;
      setWhere({ label: tocItem?.label ?? '', percent: Math.round((fraction ?? 0) * 100), cfi });
      moved(cfi);
    });
    view.addEventListener('draw-annotation', (event) => {
      const { draw } = (event as CustomEvent<{ draw: (how: unknown, options: object) => void }>).detail;
      draw(Overlayer.highlight, { color: '#facc15' });
    });
    (async () => {
      const res = await fetch(material.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const book = new File([await res.blob()], 'book.epub', { type: 'application/epub+zip' });
      await view.open(book);
      if (!live) return;
      const entries = (items: FoliateTocItem[]): TocEntry[] =>
        items.map((item) => ({
          label: item.label.trim(),
          children: entries(item.subitems ?? []),
          go: () => void view.goTo(item.href),
        }));
      setToc(entries(view.book.toc ?? []));
      await view.init({ lastLocation: material.reading.position, showTextStart: true });
    })().catch(fail);
    return () => {
      live = false;
      viewRef.current = null;
      shown.clear();
      try {
        view.close();
      } catch {
        // A book torn down half-open has nothing left to release.
      }
      view.remove();
    };
    // The rights and the saved place are fixed while a material is open; a new URL is a new opening.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [material.url]);

  // Font size and night mode restyle the chapters already shown, through their own sheets.
  useEffect(() => {
    prefsRef.current = prefs;
    for (const [doc, sheet] of sheets.current) {
      applyLook(doc, sheet, prefs);
      setFontPx(bodyFontPx(doc));
    }
  }, [prefs]);

  const previous = useCallback(() => void viewRef.current?.prev(), []);
  const next = useCallback(() => void viewRef.current?.next(), []);
  usePageKeys(previous, next);

  const find = (query: string, direction: 'new' | 'next' | 'previous') => {
    const view = viewRef.current;
    if (!view) return;
    const show = (at: number) => {
      const list = matches.current.cfis;
      if (list.length === 0) return;
      const index = (at + list.length) % list.length;
      matches.current.at = index;
      setFound({ state: 'found', current: index + 1, total: list.length });
      void view.goTo(list[index]!);
    };
    if (direction !== 'new') return show(matches.current.at + (direction === 'next' ? 1 : -1));
    matches.current = { cfis: [], at: -1 };
    setFound({ state: 'searching' });
    void (async () => {
      for await (const result of view.search({ query }))
        if (typeof result === 'object' && 'subitems' in result)
          matches.current.cfis.push(...result.subitems.map((s) => s.cfi));
      if (matches.current.cfis.length === 0) setFound({ state: 'none' });
      else show(0);
    })().catch(() => setFound({ state: 'none' }));
  };

  const stepFont = (direction: 1 | -1) => {
    const index = FONT_STEPS.indexOf(prefs.fontSize);
    const target = FONT_STEPS[Math.min(FONT_STEPS.length - 1, Math.max(0, index + direction))];
    if (target !== undefined) setReaderPrefs({ fontSize: target });
  };

  const marked = where ? reading.bookmarks.some((b) => b.at === where.cfi) : false;
  const placeLabel = (index: number) => t('reader.placeBookmark', { index });

  return (
    <div className={prefs.night ? 'viewer-epub reader-night' : 'viewer-epub'}>
      <div className="viewer-tools row" role="toolbar" aria-label={material.title}>
        <button type="button" onClick={previous} disabled={!where}>
          {t('viewer.previousPage')}
        </button>
        <span role="status" data-testid="epub-location" data-chapter={where?.label}>
          {where ? `${where.label} · ${where.percent} %` : t('viewer.opening')}
        </span>
        <button type="button" onClick={next} disabled={!where}>
          {t('viewer.nextPage')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-label={t('reader.smaller')}
          onClick={() => stepFont(-1)}
          disabled={prefs.fontSize <= FONT_STEPS[0]!}
        >
          A−
        </button>
        <span data-testid="epub-font-size" data-font-px={fontPx}>
          {t('reader.fontSize', { percent: prefs.fontSize })}
        </span>
        <button
          type="button"
          className="secondary"
          aria-label={t('reader.larger')}
          onClick={() => stepFont(1)}
          disabled={prefs.fontSize >= FONT_STEPS[FONT_STEPS.length - 1]!}
        >
          A+
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={marked}
          disabled={!where}
          onClick={() =>
            where &&
            reading.toggleBookmark(where.cfi, where.label || placeLabel(reading.bookmarks.length + 1))
          }
        >
          {marked ? t('reader.unbookmark') : t('reader.bookmark')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={prefs.night}
          onClick={() => setReaderPrefs({ night: !prefs.night })}
        >
          {t('reader.night')}
        </button>
      </div>
      <FindBar result={found} find={find} />
      {error && (
        <p role="alert" className="error-message">
          {t('viewer.failed', { error })}
        </p>
      )}
      <div className="reader-main">
        <ReaderSidebar
          toc={toc}
          bookmarks={reading.bookmarks}
          bookmarkLabel={(b) => b.label}
          goToBookmark={(b) => void viewRef.current?.goTo(b.at)}
          removeBookmark={(b) => reading.toggleBookmark(b.at, b.label)}
        />
        <div ref={stageRef} className="epub-stage" data-testid="epub-stage" />
      </div>
    </div>
  );
}

function bodyFontPx(doc: Document): number | undefined {
  const body = doc.body as HTMLElement | null;
  if (!body) return undefined;
  return Number.parseFloat((doc.defaultView ?? window).getComputedStyle(body).fontSize) || undefined;
}

/**
 * The reader's font size and theme inside a chapter: a constructed sheet, since the app's CSP (which
 * the chapter inherits) refuses the <style> text foliate's own setStyles would write.
 */
function applyLook(doc: Document, sheet: CSSStyleSheet, prefs: ReaderPrefs): void {
  const night = prefs.night
    ? 'html, body { background: #111418 !important; color: #e7eaee !important; } a { color: #8ab4f8 !important; }'
    : '';
  sheet.replaceSync(`body { font-size: ${prefs.fontSize}% !important; } ${night}`);
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
