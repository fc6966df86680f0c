import { lazy, Suspense, useEffect, useRef, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { kindOf, type MaterialKind } from './format';
import { ViewerImage } from './ViewerImage';
import type { ViewerProps } from './viewer-props';
import { ViewerText } from './ViewerText';

// pdf.js and epub.js are large: they load only when a student opens a PDF or a book.
const ViewerPdf = lazy(() => import('./ViewerPdf').then((m) => ({ default: m.ViewerPdf })));
const ViewerEpub = lazy(() => import('./ViewerEpub').then((m) => ({ default: m.ViewerEpub })));

const VIEWERS: Record<Exclude<MaterialKind, 'other'>, ComponentType<ViewerProps>> = {
  pdf: ViewerPdf,
  epub: ViewerEpub,
  image: ViewerImage,
  text: ViewerText,
};

/**
 * An opened material, full window, over the Library. Escape or Close ends it (the caller then
 * calls library.close). Rights are honoured here: without `copy` nothing can be selected or
 * copied; without `print` the viewer is hidden from print and Ctrl+P is swallowed.
 */
export function Viewer({ material, onClose }: ViewerProps & { onClose: () => void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const kind = kindOf(material.contentType);
  const Body = kind === 'other' ? null : VIEWERS[kind];

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  useEffect(() => {
    if (material.rights.print) return;
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'p') event.preventDefault();
    };
    window.addEventListener('keydown', onKey, true);
    document.documentElement.classList.add('no-print');
    return () => {
      window.removeEventListener('keydown', onKey, true);
      document.documentElement.classList.remove('no-print');
    };
  }, [material.rights.print]);

  const noCopy = !material.rights.copy;
  return (
    <dialog
      ref={ref}
      className={noCopy ? 'viewer no-copy' : 'viewer'}
      aria-labelledby="viewer-title"
      data-testid="viewer"
      data-kind={kind}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onCopy={noCopy ? (event) => event.preventDefault() : undefined}
      onCut={noCopy ? (event) => event.preventDefault() : undefined}
      onContextMenu={noCopy ? (event) => event.preventDefault() : undefined}
      onDragStart={noCopy ? (event) => event.preventDefault() : undefined}
    >
      <header className="viewer-top">
        <h2 id="viewer-title">{material.title}</h2>
        <button type="button" className="secondary" onClick={onClose}>
          {t('viewer.close')}
        </button>
      </header>
      <div className="viewer-body">
        {Body ? (
          <Suspense fallback={<p className="empty">{t('viewer.opening')}</p>}>
            <Body material={material} />
          </Suspense>
        ) : (
          <p role="alert" className="error-message">
            {t('viewer.unsupported', { type: material.contentType })}
          </p>
        )}
      </div>
    </dialog>
  );
}
