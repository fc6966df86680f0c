import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
// First: it sets the global the viewer components below read pdf.js from.
import { pdfjs } from './pdfjs-global';
import {
  EventBus,
  FindState,
  GenericL10n,
  PDFFindController,
  PDFLinkService,
  PDFViewer,
} from 'pdfjs-dist/web/pdf_viewer.mjs';
import 'pdfjs-dist/web/pdf_viewer.css';
// Bundled as a worker of our own origin, so the CSP's script-src 'self' covers it (no blob:, no eval).
import PdfWorker from 'pdfjs-dist/build/pdf.worker.min.mjs?worker';
import { FindBar, type FindResult } from './FindBar';
import { ReaderSidebar, type TocEntry } from './ReaderSidebar';
import { setReaderPrefs, useReaderPrefs } from './reader-prefs';
import { useReading } from './use-reading';
import type { ViewerProps } from './viewer-props';
import { usePageKeys } from './use-page-keys';

/** 256 KiB a request: a page or two of a text PDF, a fraction of the core's 1 MiB chunks. */
const RANGE_CHUNK = 256 * 1024;
const ZOOMS = ['page-width', 'page-fit', '0.5', '0.75', '1', '1.25', '1.5', '2', '3'] as const;
const PERCENTS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
/** The zoom chosen last, for the next PDF opened in this run. */
let lastZoom: string = 'page-width';

let worker: Worker | null = null;
function sharedWorker(): void {
  worker ??= new PdfWorker({ name: 'pdf.js' });
  pdfjs.GlobalWorkerOptions.workerPort = worker;
}

type OutlineNode = Awaited<ReturnType<pdfjs.PDFDocumentProxy['getOutline']>>[number];

function pageOf(position: string | null): number | null {
  const match = /^page:(\d+)$/.exec(position ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * pdf.js's own viewer (PDFViewer, PDFLinkService, PDFFindController) on the content route. Only the
 * byte ranges the visible pages need are fetched (no streaming, no pre-fetch), so the first page of
 * a large PDF shows without decrypting the whole file; search reads every page's text into the
 * find controller's memory, nowhere else.
 */
export function ViewerPdf({ material }: ViewerProps) {
  const { t, i18n } = useTranslation();
  const containerRef = useRef<HTMLDivElement>(null);
  const viewerRef = useRef<PDFViewer | null>(null);
  const busRef = useRef<EventBus | null>(null);
  const reading = useReading(material);
  const moved = reading.moved;
  const { night } = useReaderPrefs();
  const [error, setError] = useState<string>();
  const [count, setCount] = useState(0);
  const [page, setPage] = useState(1);
  const [rendered, setRendered] = useState<number>();
  const [draft, setDraft] = useState<string>();
  const [zoom, setZoom] = useState<{ value: string; scale: number }>({ value: lastZoom, scale: 1 });
  const [toc, setToc] = useState<TocEntry[]>([]);
  const [found, setFound] = useState<FindResult>({ state: 'idle' });
  const noCopy = !material.rights.copy;

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    sharedWorker();
    const abort = new AbortController();
    const eventBus = new EventBus();
    const linkService = new PDFLinkService({ eventBus });
    const findController = new PDFFindController({ eventBus, linkService });
    const viewer = new PDFViewer({
      container,
      eventBus,
      linkService,
      findController,
      l10n: new GenericL10n(i18n.language),
      // With it, the text layer's own copy handler writes nothing: the licence's copy right rules.
      enablePermissions: noCopy,
    });
    linkService.setViewer(viewer);
    viewerRef.current = viewer;
    busRef.current = eventBus;
    const start = pageOf(material.reading.position);
    const renderedPages = new Set<number>();

    eventBus.on('pagesinit', () => {
      viewer.currentScaleValue = lastZoom;
      if (start && start <= viewer.pagesCount) viewer.currentPageNumber = start;
    });
    eventBus.on('pagechanging', ({ pageNumber }: { pageNumber: number }) => {
      setPage(pageNumber);
      setDraft(undefined);
      setRendered(renderedPages.has(pageNumber) ? pageNumber : undefined);
      moved(`page:${pageNumber}`);
    });
    eventBus.on('pagerendered', ({ pageNumber }: { pageNumber: number }) => {
      renderedPages.add(pageNumber);
      if (pageNumber === viewer.currentPageNumber) setRendered(pageNumber);
    });
    eventBus.on('scalechanging', ({ scale, presetValue }: { scale: number; presetValue?: string }) =>
      setZoom({ value: presetValue ?? String(scale), scale }),
    );
    const onMatches = ({ matchesCount }: { matchesCount: { current: number; total: number } }) => {
      if (matchesCount.total > 0)
        setFound({ state: 'found', current: matchesCount.current, total: matchesCount.total });
    };
    eventBus.on('updatefindmatchescount', onMatches);
    eventBus.on(
      'updatefindcontrolstate',
      ({ state, matchesCount }: { state: number; matchesCount: { current: number; total: number } }) => {
        if (state === FindState.PENDING) setFound({ state: 'searching' });
        else if (state === FindState.NOT_FOUND) setFound({ state: 'none' });
        else onMatches({ matchesCount });
      },
    );

    const task = pdfjs.getDocument({
      url: material.url,
      disableAutoFetch: true,
      disableStream: true,
      rangeChunkSize: RANGE_CHUNK,
      enableXfa: false,
    });
    task.promise.then(
      async (pdf) => {
        if (abort.signal.aborted) return;
        viewer.setDocument(pdf);
        linkService.setDocument(pdf);
        setCount(pdf.numPages);
        const toEntries = (nodes: OutlineNode[]): TocEntry[] =>
          nodes.map((node) => ({
            label: node.title,
            children: toEntries(node.items),
            go: () => void (node.dest ? linkService.goToDestination(node.dest) : undefined),
          }));
        const outline = await pdf.getOutline();
        if (!abort.signal.aborted) setToc(toEntries(outline ?? []));
      },
      (failure: unknown) => {
        if (!abort.signal.aborted) setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
    return () => {
      abort.abort();
      viewerRef.current = null;
      busRef.current = null;
      viewer.setDocument(null as never);
      void task.destroy();
    };
    // The language and rights are fixed while a material is open; a new URL is a new opening.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [material.url]);

  const go = useCallback(
    (target: number) => {
      const viewer = viewerRef.current;
      if (!viewer || count === 0) return;
      viewer.currentPageNumber = Math.min(Math.max(1, target), count);
      setDraft(undefined);
    },
    [count],
  );
  const previous = useCallback(() => go(page - 1), [go, page]);
  const next = useCallback(() => go(page + 1), [go, page]);
  usePageKeys(previous, next);

  const setScale = (value: string) => {
    lastZoom = value;
    if (viewerRef.current) viewerRef.current.currentScaleValue = value;
  };
  const stepZoom = (direction: 1 | -1) => {
    // The next step up or down from wherever a fit mode left the scale.
    const target =
      direction === 1
        ? PERCENTS.find((p) => p > zoom.scale + 0.001)
        : [...PERCENTS].reverse().find((p) => p < zoom.scale - 0.001);
    if (target !== undefined) setScale(String(target));
  };

  const find = (query: string, direction: 'new' | 'next' | 'previous') =>
    busRef.current?.dispatch('find', {
      source: null,
      type: direction === 'new' ? '' : 'again',
      query,
      caseSensitive: false,
      entireWord: false,
      highlightAll: true,
      findPrevious: direction === 'previous',
      matchDiacritics: false,
    });

  const submitPage = (event: FormEvent) => {
    event.preventDefault();
    const wanted = Number.parseInt(draft ?? String(page), 10);
    if (Number.isFinite(wanted)) go(wanted);
    else setDraft(undefined);
  };

  const here = `page:${page}`;
  const marked = reading.bookmarks.some((b) => b.at === here);
  const zoomIsPreset = (ZOOMS as readonly string[]).includes(zoom.value);

  return (
    <div className={night ? 'viewer-pdf reader-night' : 'viewer-pdf'}>
      <div className="viewer-tools row" role="toolbar" aria-label={material.title}>
        <button type="button" onClick={previous} disabled={page <= 1 || count === 0}>
          {t('viewer.previousPage')}
        </button>
        <form className="page-form" onSubmit={submitPage}>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={count || undefined}
            aria-label={t('viewer.pageNumber')}
            value={draft ?? String(page)}
            onChange={(event) => setDraft(event.target.value)}
            onBlur={submitPage}
            disabled={count === 0}
          />
          <span>{t('viewer.ofCount', { count })}</span>
        </form>
        <button type="button" onClick={next} disabled={page >= count || count === 0}>
          {t('viewer.nextPage')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-label={t('viewer.zoomOut')}
          onClick={() => stepZoom(-1)}
          disabled={zoom.scale <= PERCENTS[0]! + 0.001}
        >
          −
        </button>
        <select
          aria-label={t('reader.zoomMode')}
          value={zoomIsPreset ? zoom.value : 'custom'}
          onChange={(event) => setScale(event.target.value)}
        >
          <option value="page-width">{t('reader.fitWidth')}</option>
          <option value="page-fit">{t('reader.fitPage')}</option>
          {PERCENTS.map((p) => (
            <option key={p} value={String(p)}>
              {t('viewer.zoom', { percent: Math.round(p * 100) })}
            </option>
          ))}
          {!zoomIsPreset && (
            <option value="custom">{t('viewer.zoom', { percent: Math.round(zoom.scale * 100) })}</option>
          )}
        </select>
        <button
          type="button"
          className="secondary"
          aria-label={t('viewer.zoomIn')}
          onClick={() => stepZoom(1)}
          disabled={zoom.scale >= PERCENTS[PERCENTS.length - 1]! - 0.001}
        >
          +
        </button>
        <span data-testid="pdf-zoom">{t('viewer.zoom', { percent: Math.round(zoom.scale * 100) })}</span>
        <button
          type="button"
          className="secondary"
          aria-pressed={marked}
          onClick={() => reading.toggleBookmark(here, t('reader.pageBookmark', { page }))}
        >
          {marked ? t('reader.unbookmark') : t('reader.bookmark')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={night}
          onClick={() => setReaderPrefs({ night: !night })}
        >
          {t('reader.night')}
        </button>
      </div>
      <FindBar result={found} find={find} />
      <p role="status" className="sr-only" data-testid="pdf-page-status">
        {count > 0 ? t('viewer.pageOf', { page, count }) : t('viewer.opening')}
      </p>
      {error && (
        <p role="alert" className="error-message">
          {t('viewer.failed', { error })}
        </p>
      )}
      <div className="reader-main">
        <ReaderSidebar
          toc={toc}
          bookmarks={reading.bookmarks}
          bookmarkLabel={(b) => t('reader.pageBookmark', { page: pageOf(b.at) ?? '?' })}
          goToBookmark={(b) => go(pageOf(b.at) ?? page)}
          removeBookmark={(b) => reading.toggleBookmark(b.at, b.label)}
        />
        <div className="pdf-frame">
          <div
            ref={containerRef}
            className={noCopy ? 'pdf-stage no-copy' : 'pdf-stage'}
            data-testid="pdf-stage"
            data-page={page}
            data-rendered-page={rendered}
          >
            <div className="pdfViewer" />
          </div>
        </div>
      </div>
    </div>
  );
}
