import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RefundQuote, SaleSummary } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { useMoney } from '../pos/format';
import { ActionFooter, ManagerApproval, useSaleAction } from './sale-action';
import { TYPED_TEXT_ATTRIBUTE } from '../hardware/useScanCapture';

/** Quantities per SKU, summed over the lines that hold it, without the zeros: what the core takes. */
function wanted(left: RefundQuote['left'], qty: readonly number[]): { sku: string; qty: number }[] {
  const bySku = new Map<string, number>();
  left.forEach((l, i) => bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + (qty[i] ?? 0)));
  return [...bySku].filter(([, q]) => q > 0).map(([sku, q]) => ({ sku, qty: q }));
}

/**
 * A refund as shops do it (#18): by line and quantity, the amount and where it goes (the card that
 * paid, then cash) shown before the cashier confirms. The core computes both (pos.sale.refundQuote)
 * exactly as it will record the refund; nothing here does money arithmetic.
 */
export function RefundForm({
  sale,
  onDone,
  onCancel,
}: {
  sale: SaleSummary;
  onDone: (refund: SaleSummary) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const [left, setLeft] = useState<RefundQuote['left']>();
  const [qty, setQty] = useState<number[]>([]);
  const [quote, setQuote] = useState<{ key: string; quote: RefundQuote }>();
  const [reason, setReason] = useState('');
  const action = useSaleAction(onDone);
  const { busy, error, setError, run } = action;
  const lines = left ? wanted(left, qty) : [];
  const key = JSON.stringify(lines);

  useEffect(() => {
    let live = true;
    api.call('pos.sale.refundQuote', { originalSaleId: sale.saleId }).then(
      (q) => live && setLeft(q.left),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, sale.saleId, setError]);

  useEffect(() => {
    const asked = JSON.parse(key) as { sku: string; qty: number }[];
    if (asked.length === 0) return;
    let live = true;
    api.call('pos.sale.refundQuote', { originalSaleId: sale.saleId, lines: asked }).then(
      (q) => live && setQuote({ key, quote: q }),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, sale.saleId, key, setError]);

  const shown = lines.length > 0 && quote?.key === key ? quote.quote : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!shown || !reason.trim()) return;
    // A refund the core refuses until a manager approves it is retried with the override.
    void run((override) =>
      api.call('pos.sale.refund', {
        originalSaleId: sale.saleId,
        lines,
        reason: reason.trim(),
        ...(override ? { override } : {}),
      }),
    );
  };

  return (
    <>
      <form
        className="settings-form inline-form"
        aria-labelledby="refund-heading"
        data-testid="refund-form"
        onSubmit={submit}
      >
        <h3 id="refund-heading">{t('pos.refundOf', { seq: sale.seq })}</h3>
        <p className="hint">{t('receipts.refundHint')}</p>
        {left?.map((l, i) => (
          <label key={`${l.sku}-${i}`}>
            {t('receipts.qtyToRefund', { name: l.name })}{' '}
            <small>
              {money(l.unitPriceMinor, sale.currency)} ·{' '}
              {t('receipts.left', { left: l.qty, sold: sale.lines[i]?.qty ?? l.qty })}
            </small>
            <input
              type="number"
              min={0}
              max={l.qty}
              step={1}
              disabled={l.qty === 0}
              value={qty[i] ?? 0}
              autoFocus={i === left.findIndex((x) => x.qty > 0)}
              onChange={(e) => {
                const n = Math.max(0, Math.min(l.qty, Math.trunc(Number(e.target.value) || 0)));
                setQty((q) => left.map((_, j) => (j === i ? n : (q[j] ?? 0))));
              }}
            />
          </label>
        ))}
        <label>
          {t('pos.reason')}
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={500}
            {...{ [TYPED_TEXT_ATTRIBUTE]: '' }}
          />
        </label>
        {shown && (
          <div role="status" data-testid="refund-amount">
            <p>
              <strong>{t('receipts.toGiveBack', { amount: money(shown.totalMinor, shown.currency) })}</strong>
            </p>
            <ul>
              {shown.tenders.map((tender, i) => (
                <li key={i}>
                  {tender.type === 'card'
                    ? t('receipts.toCard', {
                        amount: money(tender.amountMinor, shown.currency),
                        brand: tender.brand ?? '',
                        last4: tender.last4 ?? '',
                      })
                    : t('receipts.inCash', { amount: money(tender.amountMinor, shown.currency) })}
                </li>
              ))}
            </ul>
          </div>
        )}
        <ActionFooter
          error={error}
          currency={sale.currency}
          confirm={
            shown
              ? t('receipts.confirmRefund', { amount: money(shown.totalMinor, shown.currency) })
              : t('pos.refund')
          }
          disabled={busy || !shown || !reason.trim()}
          onCancel={onCancel}
        />
      </form>
      <ManagerApproval
        action={action}
        currency={sale.currency}
        hint={t('pos.managerHintRefund')}
        onDone={onDone}
      />
    </>
  );
}
