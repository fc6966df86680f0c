import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { PrintedReceipt } from '../pos/PrintedReceipt';
import { VoidForm } from './VoidForm';

/**
 * The sale just recorded, voided from its receipt as shops do when the customer changes their mind
 * at the counter: a reason, then the void is recorded and its receipt prints.
 */
export function VoidJustRecorded({ sale }: { sale: SaleSummary }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [voided, setVoided] = useState<SaleSummary | null>(null);
  if (voided)
    return (
      <>
        <p role="status" className="ok">
          {t('pos.voided', { seq: voided.seq })}
        </p>
        <PrintedReceipt saleId={voided.saleId} autoPrint />
      </>
    );
  if (open) return <VoidForm sale={sale} onDone={setVoided} onCancel={() => setOpen(false)} />;
  return (
    <button type="button" className="secondary" onClick={() => setOpen(true)}>
      {t('pos.voidOf', { seq: sale.seq })}
    </button>
  );
}
