import { useEffect, useEffectEvent, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogEntry, SaleSummary, Shift, TenderInput, ZReport } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { addToCart, cartTotals, isBarcode, lineTotals, percentText, type CartItem } from '../../pos/cart';
import { isOverridable, posErrorText, useMoney } from '../../pos/format';
import { parseMajor, toMajorText } from '../../pos/money-input';
import { CloseShiftForm } from './CloseShiftForm';
import { ManagerDialog, type Override } from './ManagerDialog';
import { Receipt } from './Receipt';
import { RecentSales } from './RecentSales';

interface CardFields {
  amount: string;
  brand: string;
  last4: string;
  token: string;
}
const NO_CARD: CardFields = { amount: '', brand: '', last4: '', token: '' };
const NO_QR = { amount: '', ref: '' };

/** An open shift: search or scan, cart, tenders, pay; the receipt; closing; recent sales. */
export function Till({ shift, onClosed }: { shift: Shift; onClosed: (report: ZReport) => void }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const currency = shift.currency;
  const ids = useId();
  const searchRef = useRef<HTMLInputElement>(null);
  const searchSeq = useRef(0);

  const [query, setQuery] = useState('');
  const [results, setResults] = useState<CatalogEntry[]>([]);
  const [searched, setSearched] = useState('');
  const [active, setActive] = useState(0);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [lines, setLines] = useState<CartItem[]>([]);
  const [cash, setCash] = useState('');
  const [card, setCard] = useState<CardFields>(NO_CARD);
  const [qr, setQr] = useState(NO_QR);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [approval, setApproval] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<SaleSummary | null>(null);
  const [closing, setClosing] = useState(false);

  const totals = cartTotals(lines);
  const due = totals.totalMinor;
  const cashMinor = cash.trim() === '' ? 0 : parseMajor(cash, currency);
  const cardMinor = card.amount.trim() === '' ? 0 : parseMajor(card.amount, currency);
  const qrMinor = qr.amount.trim() === '' ? 0 : parseMajor(qr.amount, currency);
  const amountsValid = cashMinor !== null && cardMinor !== null && qrMinor !== null;
  const paid = BigInt(cashMinor ?? 0) + BigInt(cardMinor ?? 0) + BigInt(qrMinor ?? 0);
  const nonCash = BigInt(cardMinor ?? 0) + BigInt(qrMinor ?? 0);
  const change = paid > due && nonCash <= due ? paid - due : 0n;
  const left = due > paid ? due - paid : 0n;

  const focusSearch = () => searchRef.current?.focus();

  const search = (text: string) => {
    setQuery(text);
    setActive(0);
    const seq = ++searchSeq.current;
    const trimmed = text.trim();
    if (!trimmed) {
      setResults([]);
      setSearched('');
      return;
    }
    api.call('pos.catalog.search', { query: trimmed, limit: 20 }).then(
      ({ items }) => {
        if (seq !== searchSeq.current) return;
        setResults(items);
        setSearched(trimmed);
      },
      (caught: unknown) => {
        if (seq === searchSeq.current)
          setNotice({ kind: 'error', text: posErrorText(t, caught, money, currency) });
      },
    );
  };

  const add = (entry: CatalogEntry) => {
    searchSeq.current++;
    setLines((current) => addToCart(current, entry));
    setReceipt(null);
    setError(undefined);
    setQuery('');
    setResults([]);
    setSearched('');
    setNotice({ kind: 'ok', text: t('pos.added', { name: entry.name }) });
    focusSearch();
  };

  const scan = async (barcode: string) => {
    searchSeq.current++;
    setQuery('');
    setResults([]);
    setSearched('');
    try {
      const { item } = await api.call('pos.catalog.byBarcode', { barcode });
      if (item) add(item);
      else setNotice({ kind: 'error', text: t('pos.barcodeUnknown', { barcode }) });
    } catch (caught) {
      setNotice({ kind: 'error', text: posErrorText(t, caught, money, currency) });
    }
  };

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'ArrowDown' && results.length > 0) {
      event.preventDefault();
      setActive((i) => Math.min(i + 1, results.length - 1));
    } else if (event.key === 'ArrowUp' && results.length > 0) {
      event.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === 'Escape') {
      search('');
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const text = query.trim();
      if (isBarcode(text)) void scan(text);
      else {
        const chosen = results[active];
        if (chosen) add(chosen);
      }
    }
  };

  const update = (sku: string, change: (line: CartItem) => CartItem | null) =>
    setLines((current) =>
      current.flatMap((l) => {
        if (l.sku !== sku) return [l];
        const next = change(l);
        return next ? [next] : [];
      }),
    );

  const tenders = (): TenderInput[] => {
    const list: TenderInput[] = [];
    if (cardMinor) {
      list.push({
        type: 'card',
        amountMinor: cardMinor,
        brand: card.brand.trim(),
        last4: card.last4.trim(),
        token: card.token.trim(),
      });
    }
    if (qrMinor) list.push({ type: 'qr', amountMinor: qrMinor, payerRef: qr.ref.trim() });
    if (cash.trim() !== '' && cashMinor !== null) list.push({ type: 'cash', amountMinor: cashMinor });
    return list;
  };

  const capture = async (override?: Override): Promise<void> => {
    const sale = await api.call('pos.sale.capture', {
      lines: lines.map((l) => ({
        sku: l.sku,
        name: l.name,
        qty: l.qty,
        unitPriceMinor: l.unitPriceMinor,
        discountMinor: l.discountMinor,
        taxRateBp: l.taxRateBp,
      })),
      tenders: tenders(),
      ...(override ? { override } : {}),
    });
    setReceipt(sale);
    setLines([]);
    setCash('');
    setCard(NO_CARD);
    setQr(NO_QR);
    setApproval(null);
    setNotice(undefined);
    focusSearch();
  };

  const pay = async () => {
    if (busy || approval !== null || lines.length === 0) return;
    setError(undefined);
    if (!amountsValid) {
      setError(t('pos.amountInvalid', { example: toMajorText(Number(due), currency) }));
      return;
    }
    if (tenders().length === 0 || paid < due) {
      setError(`${t('errorCodes.TENDER_SHORT')} (${t('pos.leftToPay')}: ${money(left, currency)})`);
      return;
    }
    setBusy(true);
    try {
      await capture();
    } catch (caught) {
      const text = posErrorText(t, caught, money, currency);
      if (isOverridable(caught)) setApproval(text);
      else setError(text);
    } finally {
      setBusy(false);
    }
  };

  const approve = async (override: Override): Promise<string | null> => {
    try {
      await capture(override);
      return null;
    } catch (caught) {
      return posErrorText(t, caught, money, currency);
    }
  };

  const onShortcut = useEffectEvent((event: globalThis.KeyboardEvent) => {
    if (event.key === 'F9' || (event.key === 'Enter' && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      void pay();
    }
  });
  useEffect(() => {
    const listener = (event: globalThis.KeyboardEvent) => onShortcut(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  const listId = `${ids}-results`;
  const optionId = (i: number) => `${ids}-option-${i}`;
  const showList = results.length > 0;

  return (
    <div className="till">
      <div className="shift-bar">
        <span data-testid="shift-info">
          {t('pos.shiftOpenSince', {
            when: new Date(shift.openedAt).toLocaleString(i18n.language),
            float: money(shift.floatMinor, currency),
          })}
        </span>
        {!closing && (
          <button type="button" className="secondary" onClick={() => setClosing(true)}>
            {t('pos.closeShift')}
          </button>
        )}
      </div>
      {closing && (
        <CloseShiftForm currency={currency} onClosed={onClosed} onCancel={() => setClosing(false)} />
      )}

      <div className="till-grid">
        <div className="till-left">
          <div className="search">
            <label htmlFor={`${ids}-search`}>{t('pos.search')}</label>
            <input
              id={`${ids}-search`}
              ref={searchRef}
              type="search"
              role="combobox"
              aria-expanded={showList}
              aria-controls={listId}
              aria-autocomplete="list"
              aria-activedescendant={showList ? optionId(active) : undefined}
              aria-describedby={`${ids}-search-hint`}
              value={query}
              onChange={(e) => search(e.target.value)}
              onKeyDown={onSearchKey}
              autoFocus
              autoComplete="off"
              spellCheck={false}
            />
            <p className="hint" id={`${ids}-search-hint`}>
              {t('pos.searchHint')}
            </p>
            <ul
              id={listId}
              role="listbox"
              aria-label={t('pos.results')}
              className="results"
              hidden={!showList}
            >
              {results.map((item, i) => (
                <li
                  key={item.sku}
                  id={optionId(i)}
                  role="option"
                  aria-selected={i === active}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => add(item)}
                >
                  <span>{item.name}</span>
                  <small>{item.sku}</small>
                  <span className="num">{money(item.priceMinor, item.currency)}</span>
                </li>
              ))}
            </ul>
            {searched && results.length === 0 && (
              <p className="hint">{t('pos.noResults', { query: searched })}</p>
            )}
            <p
              role={notice?.kind === 'error' ? 'alert' : 'status'}
              className={notice?.kind === 'error' ? 'error-message' : 'hint'}
            >
              {notice?.text}
            </p>
          </div>

          <section aria-labelledby={`${ids}-cart`} className="cart">
            <h2 id={`${ids}-cart`}>{t('pos.cart')}</h2>
            {lines.length === 0 ? (
              <p className="empty">{t('pos.cartEmpty')}</p>
            ) : (
              <table className="grid" data-testid="cart">
                <thead>
                  <tr>
                    <th scope="col">{t('pos.item')}</th>
                    <th scope="col">{t('pos.qty')}</th>
                    <th scope="col">{t('pos.discount')}</th>
                    <th scope="col">{t('pos.tax')}</th>
                    <th scope="col">{t('pos.lineTotal')}</th>
                    <th scope="col">
                      <span className="sr-only">{t('pos.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {lines.map((line) => {
                    const lt = lineTotals(line);
                    return (
                      <tr key={line.sku} data-testid={`line-${line.sku}`}>
                        <td>
                          {line.name}
                          <br />
                          <small>{money(line.unitPriceMinor, currency)}</small>
                        </td>
                        <td>
                          <div className="qty">
                            <button
                              type="button"
                              className="small secondary"
                              aria-label={t('pos.decrease', { name: line.name })}
                              disabled={line.qty <= 1}
                              onClick={() => update(line.sku, (l) => ({ ...l, qty: l.qty - 1 }))}
                            >
                              −
                            </button>
                            <span data-testid="qty">{line.qty}</span>
                            <button
                              type="button"
                              className="small secondary"
                              aria-label={t('pos.increase', { name: line.name })}
                              onClick={() => update(line.sku, (l) => ({ ...l, qty: l.qty + 1 }))}
                            >
                              +
                            </button>
                          </div>
                        </td>
                        <td>
                          <DiscountInput
                            label={t('pos.discountFor', { name: line.name })}
                            currency={currency}
                            invalid={lt.discountTooLarge}
                            onChange={(minor) => update(line.sku, (l) => ({ ...l, discountMinor: minor }))}
                          />
                        </td>
                        <td className="num">
                          {money(lt.taxMinor, currency)}
                          <br />
                          <small>
                            {t('pos.taxRate', { rate: percentText(line.taxRateBp, i18n.language) })}
                          </small>
                        </td>
                        <td className="num">{money(lt.totalMinor, currency)}</td>
                        <td>
                          <button
                            type="button"
                            className="small danger"
                            aria-label={t('pos.remove', { name: line.name })}
                            onClick={() => update(line.sku, () => null)}
                          >
                            ×
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            {totals.invalid && (
              <p role="alert" className="error-message">
                {t('pos.discountTooLarge')}
              </p>
            )}
            <dl className="totals">
              <dt>{t('pos.subtotal')}</dt>
              <dd>{money(totals.subtotalMinor, currency)}</dd>
              {totals.discountMinor > 0n && (
                <>
                  <dt>{t('pos.discounts')}</dt>
                  <dd>−{money(totals.discountMinor, currency)}</dd>
                </>
              )}
              <dt>{t('pos.tax')}</dt>
              <dd>{money(totals.taxMinor, currency)}</dd>
              <dt className="grand">{t('pos.total')}</dt>
              <dd className="grand" data-testid="cart-total">
                {money(due, currency)}
              </dd>
            </dl>
          </section>
        </div>

        <div className="till-right">
          {receipt && lines.length === 0 && (
            <Receipt
              sale={receipt}
              onNewSale={() => {
                setReceipt(null);
                focusSearch();
              }}
            />
          )}
          {lines.length > 0 && (
            <section aria-labelledby={`${ids}-payment`} className="payment">
              <h2 id={`${ids}-payment`}>{t('pos.payment')}</h2>
              <div className="settings-form">
                <label>
                  {t('pos.cash')} ({currency})
                  <input
                    value={cash}
                    onChange={(e) => setCash(e.target.value)}
                    inputMode="decimal"
                    autoComplete="off"
                    aria-invalid={cashMinor === null}
                  />
                </label>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    const rest = due > nonCash ? due - nonCash : 0n;
                    setCash(toMajorText(Number(rest), currency));
                  }}
                >
                  {t('pos.exact')}
                </button>
                <details>
                  <summary>{t('pos.card')}</summary>
                  <p className="hint">{t('pos.cardHint')}</p>
                  <label>
                    {t('pos.cardAmount')} ({currency})
                    <input
                      value={card.amount}
                      onChange={(e) => setCard({ ...card, amount: e.target.value })}
                      inputMode="decimal"
                      autoComplete="off"
                      aria-invalid={cardMinor === null}
                    />
                  </label>
                  <label>
                    {t('pos.cardBrand')}
                    <input
                      value={card.brand}
                      onChange={(e) => setCard({ ...card, brand: e.target.value })}
                      autoComplete="off"
                      maxLength={32}
                    />
                  </label>
                  <label>
                    {t('pos.cardLast4')}
                    <input
                      value={card.last4}
                      onChange={(e) =>
                        setCard({ ...card, last4: e.target.value.replace(/\D/g, '').slice(0, 4) })
                      }
                      inputMode="numeric"
                      autoComplete="off"
                      maxLength={4}
                    />
                  </label>
                  <label>
                    {t('pos.cardToken')}
                    <input
                      value={card.token}
                      onChange={(e) => setCard({ ...card, token: e.target.value })}
                      autoComplete="off"
                      maxLength={256}
                    />
                  </label>
                </details>
                <details>
                  <summary>{t('pos.qr')}</summary>
                  <label>
                    {t('pos.qrAmount')} ({currency})
                    <input
                      value={qr.amount}
                      onChange={(e) => setQr({ ...qr, amount: e.target.value })}
                      inputMode="decimal"
                      autoComplete="off"
                      aria-invalid={qrMinor === null}
                    />
                  </label>
                  <label>
                    {t('pos.qrRef')}
                    <input
                      value={qr.ref}
                      onChange={(e) => setQr({ ...qr, ref: e.target.value })}
                      autoComplete="off"
                      maxLength={128}
                    />
                  </label>
                </details>
              </div>
              <dl className="totals" aria-live="polite">
                <dt>{t('pos.total')}</dt>
                <dd>{money(due, currency)}</dd>
                <dt>{t('pos.paid')}</dt>
                <dd>{money(paid, currency)}</dd>
                {left > 0n ? (
                  <>
                    <dt>{t('pos.leftToPay')}</dt>
                    <dd data-testid="left-to-pay">{money(left, currency)}</dd>
                  </>
                ) : (
                  <>
                    <dt className="grand">{t('pos.changeDue')}</dt>
                    <dd className="grand" data-testid="change-due">
                      {money(change, currency)}
                    </dd>
                  </>
                )}
              </dl>
              {error && (
                <p role="alert" className="error-message" data-testid="pay-error">
                  {error}
                </p>
              )}
              <div className="row">
                <button
                  type="button"
                  className="pay"
                  aria-keyshortcuts="F9 Control+Enter"
                  disabled={busy || totals.invalid}
                  onClick={() => void pay()}
                >
                  {busy ? t('pos.paying') : t('pos.pay')} <kbd>{t('pos.shortcutPay')}</kbd>
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setLines([]);
                    setError(undefined);
                    focusSearch();
                  }}
                >
                  {t('pos.clearCart')}
                </button>
              </div>
            </section>
          )}
        </div>
      </div>

      {approval !== null && (
        <ManagerDialog
          message={approval}
          onApprove={approve}
          onCancel={() => {
            setApproval(null);
            focusSearch();
          }}
        />
      )}

      <RecentSales />
    </div>
  );
}

/** A line discount typed in major units; keeps the cashier's text while it is being typed. */
function DiscountInput({
  label,
  currency,
  invalid,
  onChange,
}: {
  label: string;
  currency: string;
  invalid: boolean;
  onChange: (minor: number) => void;
}) {
  const [text, setText] = useState('');
  const parsed = text.trim() === '' ? 0 : parseMajor(text, currency);
  return (
    <input
      className="discount"
      aria-label={label}
      value={text}
      inputMode="decimal"
      autoComplete="off"
      placeholder="0"
      aria-invalid={parsed === null || invalid}
      onChange={(e) => {
        setText(e.target.value);
        const minor = e.target.value.trim() === '' ? 0 : parseMajor(e.target.value, currency);
        if (minor !== null) onChange(minor);
      }}
    />
  );
}
