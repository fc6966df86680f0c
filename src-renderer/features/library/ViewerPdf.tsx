import { useCallback, useEffect, useRef, useState, type CSSProperties, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import * as pdfjs from 'pdfjs-dist';
import type { PDFDocumentProxy } from 'pdfjs-dist';
// Bundled as a worker of our own origin, so the CSP's script-src 'self' covers it (no blob:, no eval).
import PdfWorker from 'pdfjs-dist/build/pdf.worker.min.mjs?worker';
import type { ViewerProps } from './viewer-props';
import { usePageKeys } from './use-page-keys';

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
/** 256 KiB a request: a page or two of a text PDF, a fraction of the core's 1 MiB chunks. */
const RANGE_CHUNK = 256 * 1024;

let worker: Worker | null = null;
function sharedWorker(): Worker {
  worker ??= new PdfWorker({ name: 'pdf.js' });
  pdfjs.GlobalWorkerOptions.workerPort = worker;
  return worker;
}

type Loaded = { url: string; doc: PDFDocumentProxy } | { url: string; error: string };

/**
 * pdf.js on the content route: only the byte ranges a page needs are fetched (no streaming, no
 * pre-fetch), so the first page of a large PDF shows without decrypting the whole file.
 */
export function ViewerPdf({ material }: ViewerProps) {
  const { t } = useTranslation();
  const [loaded, setLoaded] = useState<Loaded>();
  const [page, setPage] = useState(1);
  const [draft, setDraft] = useState<string>();
  const [zoomIndex, setZoomIndex] = useState(ZOOMS.indexOf(1));
  const [rendered, setRendered] = useState(0);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const textRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ width: number; height: number; scale: number }>();
  const doc = loaded && 'doc' in loaded && loaded.url === material.url ? loaded.doc : undefined;
  const count = doc?.numPages ?? 0;
  const zoom = ZOOMS[zoomIndex] ?? 1;

  useEffect(() => {
    sharedWorker();
    const task = pdfjs.getDocument({
      url: material.url,
      disableAutoFetch: true,
      disableStream: true,
      rangeChunkSize: RANGE_CHUNK,
      enableXfa: false,
    });
    task.promise.then(
      (opened) => setLoaded({ url: material.url, doc: opened }),
      (error: unknown) =>
        setLoaded({ url: material.url, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => void task.destroy();
  }, [material.url]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const textLayer = textRef.current;
    if (!doc || !canvas || !textLayer) return;
    let cancelled = false;
    let cancel = () => undefined as void;
    void (async () => {
      const pdfPage = await doc.getPage(page);
      if (cancelled) return;
      const viewport = pdfPage.getViewport({ scale: zoom * pdfjs.PixelsPerInch.PDF_TO_CSS_UNITS });
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      setSize({ width: viewport.width, height: viewport.height, scale: viewport.scale });
      textLayer.replaceChildren();
      const task = pdfPage.render({
        canvas,
        viewport,
        transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
      });
      const text = new pdfjs.TextLayer({
        textContentSource: pdfPage.streamTextContent(),
        container: textLayer,
        viewport,
      });
      cancel = () => {
        task.cancel();
        text.cancel();
      };
      await Promise.all([task.promise, text.render()]);
      if (!cancelled) setRendered(page);
    })().catch((error: unknown) => {
      if (cancelled || (error instanceof Error && error.name === 'RenderingCancelledException')) return;
      setLoaded({ url: material.url, error: error instanceof Error ? error.message : String(error) });
    });
    return () => {
      cancelled = true;
      cancel();
    };
  }, [doc, page, zoom, material.url]);

  const go = useCallback(
    (target: number) => {
      if (count === 0) return;
      setPage(Math.min(Math.max(1, target), count));
      setDraft(undefined);
    },
    [count],
  );
  const previous = useCallback(() => go(page - 1), [go, page]);
  const next = useCallback(() => go(page + 1), [go, page]);
  usePageKeys(previous, next);

  const submitPage = (event: FormEvent) => {
    event.preventDefault();
    const wanted = Number.parseInt(draft ?? String(page), 10);
    if (Number.isFinite(wanted)) go(wanted);
    else setDraft(undefined);
  };

  if (loaded && 'error' in loaded && loaded.url === material.url)
    return (
      <p role="alert" className="error-message">
        {t('viewer.failed', { error: loaded.error })}
      </p>
    );

  const pageStyle = size && {
    width: `${size.width}px`,
    height: `${size.height}px`,
    '--scale-factor': size.scale,
    '--total-scale-factor': size.scale,
    '--scale-round-x': '1px',
    '--scale-round-y': '1px',
  };

  return (
    <div className="viewer-pdf">
      <div className="viewer-tools row" role="toolbar" aria-label={material.title}>
        <button type="button" onClick={previous} disabled={page <= 1 || !doc}>
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
            disabled={!doc}
          />
          <span>{t('viewer.ofCount', { count })}</span>
        </form>
        <button type="button" onClick={next} disabled={page >= count || !doc}>
          {t('viewer.nextPage')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-label={t('viewer.zoomOut')}
          onClick={() => setZoomIndex((i) => Math.max(0, i - 1))}
          disabled={zoomIndex === 0}
        >
          −
        </button>
        <span data-testid="pdf-zoom">{t('viewer.zoom', { percent: Math.round(zoom * 100) })}</span>
        <button
          type="button"
          className="secondary"
          aria-label={t('viewer.zoomIn')}
          onClick={() => setZoomIndex((i) => Math.min(ZOOMS.length - 1, i + 1))}
          disabled={zoomIndex === ZOOMS.length - 1}
        >
          +
        </button>
        <span className="hint">{t('viewer.keys')}</span>
      </div>
      <p role="status" className="sr-only" data-testid="pdf-page-status">
        {doc ? t('viewer.pageOf', { page, count }) : t('viewer.opening')}
      </p>
      <div className="pdf-stage">
        <div
          className="pdf-page"
          style={pageStyle as CSSProperties | undefined}
          data-testid="pdf-page"
          data-page={page}
          data-rendered-page={rendered || undefined}
        >
          <canvas ref={canvasRef} aria-hidden="true" />
          <div ref={textRef} className="textLayer" />
        </div>
      </div>
    </div>
  );
}
