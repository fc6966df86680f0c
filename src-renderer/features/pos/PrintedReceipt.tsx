import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReceiptPicture } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { PrintStatus } from '../receipts/PrintStatus';

type PrintState =
  | { saleId: string; kind: 'printing' }
  | { saleId: string; kind: 'printed' | 'already-printed' }
  | { saleId: string; kind: 'failed'; reason: string };

/**
 * The receipt as the printer draws it (the core renders the same description to ESC/POS and to
 * this SVG), and, when a printer is chosen, its printing. A failed print can be retried: the job id
 * is the sale's, so a retry never prints a receipt that already came out.
 */
export function PrintedReceipt({ saleId, autoPrint }: { saleId: string; autoPrint: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const { value: hardware } = useSubscription('hardware.status');
  const printer = hardware?.roles.find((r) => r.role === 'printer');
  const printerChosen = Boolean(printer?.deviceId);
  const [picture, setPicture] = useState<{ saleId: string; picture: ReceiptPicture }>();
  const [print, setPrint] = useState<PrintState>();
  const printedFor = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    api.call('pos.receipt.preview', { saleId }).then(
      (p) => live && setPicture({ saleId, picture: p }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, saleId]);

  const run = (id: string, auto = false) => {
    setPrint({ saleId: id, kind: 'printing' });
    api.call('pos.receipt.print', { saleId: id, copy: 1 }).then(
      // An automatic print answered 'already printed' is this receipt shown again (the screen was
      // rebuilt): it did come out, once, and the cashier is told so.
      (outcome) =>
        setPrint({
          saleId: id,
          kind: auto && outcome.status === 'already-printed' ? 'printed' : outcome.status,
        }),
      (error: unknown) =>
        setPrint({
          saleId: id,
          kind: 'failed',
          reason: error instanceof Error ? errorText(t, error) : String(error),
        }),
    );
  };

  useEffect(() => {
    if (!autoPrint || !printerChosen || printedFor.current === saleId) return;
    printedFor.current = saleId;
    const id = saleId;
    // Deferred so the state change happens in a callback, not in the effect body.
    queueMicrotask(() => run(id, true));
  });

  const current = print?.saleId === saleId ? print : undefined;
  const shown = picture?.saleId === saleId ? picture.picture : undefined;
  return (
    <div className="printed-receipt">
      {current && <PrintStatus state={current} testId="receipt-print" />}
      {current?.kind === 'failed' && (
        <button type="button" className="secondary" onClick={() => run(saleId)}>
          {t('hardware.printAgain')}
        </button>
      )}
      {shown && (
        <figure className="receipt-preview">
          <figcaption>{t('hardware.preview')}</figcaption>
          {/* The SVG comes from the core's renderer, which escapes every text it draws. */}
          <div data-testid="receipt-preview" dangerouslySetInnerHTML={{ __html: shown.svg }} />
        </figure>
      )}
    </div>
  );
}
