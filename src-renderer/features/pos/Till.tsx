import { useEffect, useEffectEvent, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogEntry, SaleSummary, Shift, TenderInput, ZReport } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { CardDataFilter, isCardData, searchableWhileTyping } from './card-data-filter';
import { ParkedSales } from './ParkedSales';
import { useDurableCart } from './use-durable-cart';
import { useErrorReset } from './use-error-reset';
import { addToCart, cartTotals, isBarcode, lineTotals, percentText, type CartItem } from './cart';
import { isOverridable, posErrorText, useMoney } from './format';
import { useMoneyInput } from './use-money-input';
import { APPROVAL_CODE, CardTender, cardTender, NO_CARD, type CardFields } from './CardTender';
import { CashConfirmDialog, cashToConfirm, type CashToConfirm } from './CashConfirmDialog';
import { CloseShiftForm } from './CloseShiftForm';
import { ManagerDialog, type Override } from './ManagerDialog';
import { Receipt } from './Receipt';
import { RecentSales } from './RecentSales';
import { QrTender, type QrPayment } from './QrTender';
import { CashierBar } from '../cashiers/CashierBar';
import { PAYMENT_QR_PREFIX, useHardwareEvents } from '../hardware/useHardwareEvents';
import { ProductImage } from './ProductImage';
import { QuickGrid } from './QuickGrid';
import { QuantityControl } from './QuantityDialog';
import { openAndFocus, TILL_KEYS, useFunctionKey } from './shortcuts';
import { SCAN_INPUT_ATTRIBUTE, useScanCapture } from '../hardware/useScanCapture';

/** An open shift: search or scan, cart, tenders, pay; the receipt; closing; recent sales. */
export function Till({ shift, onClosed }: { shift: Shift; onClosed: (report: ZReport) => void }) {
  const { t, i18n } = useTranslation();
  const { parseMajor, toMajorText, amountInvalid } = useMoneyInput();
  const api = useApi();
  const money = useMoney();
  const currency = shift.currency;
  const ids = useId();
  const searchRef = useRef<HTMLInputElement>(null);
  const cashRef = useRef<HTMLInputElement>(null);
  const paymentRef = useRef<HTMLElement>(null);
  const searchSeq = useRef(0);
  const cardFilter = useRef(new CardDataFilter()).current;

  const [query, setQuery] = useState('');
  const [results, setResults] = useState<CatalogEntry[]>([]);
  const [searched, setSearched] = useState('');
  const [active, setActive] = useState(0);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [lines, setLines] = useDurableCart();
  const [cash, setCash] = useState('');
  const [card, setCard] = useState<CardFields>(NO_CARD);
  const [qr, setQr] = useState<QrPayment | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useErrorReset(lines, setError);
  const [approval, setApproval] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<SaleSummary | null>(null);
  const [closing, setClosing] = useState(false);
  const [cashCheck, setCashCheck] = useState<CashToConfirm | null>(null);

  const totals = cartTotals(lines);
  const due = totals.totalMinor;
  const cashMinor = cash.trim() === '' ? 0 : parseMajor(cash, currency);
  const cardMinor = card.amount.trim() === '' ? 0 : parseMajor(card.amount, currency);
  const qrMinor = qr?.amountMinor ?? 0;
  const amountsValid = cashMinor !== null && cardMinor !== null && qrMinor !== null;
  const paid = BigInt(cashMinor ?? 0) + BigInt(cardMinor ?? 0) + BigInt(qrMinor ?? 0);
  const nonCash = BigInt(cardMinor ?? 0) + BigInt(qrMinor ?? 0);
  const change = paid > due && nonCash <= due ? paid - due : 0n;
  const left = due > paid ? due - paid : 0n;

  const focusSearch = () => searchRef.current?.focus();

  /** Card data read into the field or by the scanner: dropped, and the cashier told why. */
  const discardCardData = () => {
    searchSeq.current++;
    setQuery('');
    setResults([]);
    setSearched('');
    setNotice({ kind: 'error', text: t('errorCodes.CARD_DATA_DISCARDED') });
  };

  const search = (typed: string) => {
    const wasDiscarding = cardFilter.active;
    const text = cardFilter.accept(typed);
    if (text === null) {
      if (!wasDiscarding) discardCardData();
      else setQuery('');
      return;
    }
    setQuery(text);
    setActive(0);
    const seq = ++searchSeq.current;
    const trimmed = text.trim();
    if (!trimmed || !searchableWhileTyping(trimmed)) {
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

  const addLine = (entry: CatalogEntry) => {
    setLines((current) => addToCart(current, entry));
    setReceipt(null);
    setError(undefined);
    setNotice({ kind: 'ok', text: t('pos.added', { name: entry.name }) });
  };

  const add = (entry: CatalogEntry) => {
    searchSeq.current++;
    addLine(entry);
    setQuery('');
    setResults([]);
    setSearched('');
    focusSearch();
  };

  const scan = async (barcode: string) => {
    searchSeq.current++;
    setQuery('');
    setResults([]);
    setSearched('');
    try {
      const { item } = await api.call('pos.catalog.byBarcode', { barcode });
      // The search box was cleared when the scan began: what is in it now is the next scan arriving
      // while this one was looked up, and must not be wiped.
      if (item) addLine(item);
      else setNotice({ kind: 'error', text: t('pos.barcodeUnknown', { barcode }) });
    } catch (caught) {
      setNotice({ kind: 'error', text: posErrorText(t, caught, money, currency) });
    }
  };

  const scanned = (text: string, gtin: string | null) => {
    if (text.startsWith(PAYMENT_QR_PREFIX)) {
      setNotice({ kind: 'ok', text: t('hardware.qrScanned') });
      return;
    }
    const code = gtin ?? text;
    if (isCardData(code)) setNotice({ kind: 'error', text: t('errorCodes.CARD_DATA_DISCARDED') });
    else if (isBarcode(code)) void scan(code);
    else setNotice({ kind: 'error', text: t('pos.barcodeUnknown', { barcode: code }) });
  };

  // The scanner: a product barcode goes to the cart; a payment QR code to the QR tender.
  useHardwareEvents((event) => {
    if (event.type === 'scan-discarded') {
      setNotice({ kind: 'error', text: t('errorCodes.CARD_DATA_DISCARDED') });
      return;
    }
    if (event.type === 'scan') scanned(event.text, event.gtin);
  });

  // A keyboard-wedge scan goes to the cart whichever field has focus (issue #18).
  useScanCapture(
    (text) => scanned(text, null),
    () => setNotice({ kind: 'error', text: t('errorCodes.CARD_DATA_DISCARDED') }),
  );

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    cardFilter.key(event);
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'ArrowDown' && results.length > 0) {
      event.preventDefault();
      setActive((i) => Math.min(i + 1, results.length - 1));
    } else if (event.key === 'ArrowUp' && results.length > 0) {
      event.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === 'Escape') {
      cardFilter.end();
      search('');
    } else if (event.key === 'Enter') {
      event.preventDefault();
      // The end of a swipe typed into the field: its rest was swallowed, nothing is looked up.
      if (cardFilter.end()) return;
      const text = query.trim();
      if (isCardData(text)) discardCardData();
      else if (isBarcode(text)) void scan(text);
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
      list.push(cardTender(card, cardMinor));
    }
    if (qr) list.push({ type: 'qr', amountMinor: qr.amountMinor, verificationId: qr.verificationId });
    if (cash.trim() !== '' && cashMinor !== null) list.push({ type: 'cash', amountMinor: cashMinor });
    return list;
  };

  const capture = async (override?: Override, cashConfirmed?: true): Promise<void> => {
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
      ...(cashConfirmed ? { cashConfirmed } : {}),
    });
    setReceipt(sale);
    setLines([]);
    setCash('');
    setCard(NO_CARD);
    setQr(null);
    setApproval(null);
    setNotice(undefined);
    focusSearch();
  };

  const pay = async (cashConfirmed?: true) => {
    // The confirmation's own call runs while its dialog is still in this render's state.
    if (busy || approval !== null || (cashCheck !== null && !cashConfirmed) || lines.length === 0) return;
    setError(undefined);
    if (!amountsValid) {
      setError(amountInvalid(Number(due), currency));
      return;
    }
    if (cardMinor && !APPROVAL_CODE.test(card.approval.trim().toUpperCase())) {
      setError(t('pos.cardApprovalMissing'));
      return;
    }
    if (tenders().length === 0 || paid < due) {
      setError(`${t('errorCodes.TENDER_SHORT')} (${t('pos.leftToPay')}: ${money(left, currency)})`);
      return;
    }
    setBusy(true);
    try {
      await capture(undefined, cashConfirmed);
    } catch (caught) {
      const text = posErrorText(t, caught, money, currency);
      if (cashToConfirm(caught)) setCashCheck(cashToConfirm(caught));
      else if (isOverridable(caught)) setApproval(text);
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

  // Quick selling (#18): the function keys each button shows (shortcuts.ts, docs/sync.md).
  const exact = () => setCash(toMajorText(Number(due > nonCash ? due - nonCash : 0n), currency));
  const tender = (id: string) => paymentRef.current?.querySelector<HTMLDetailsElement>(`[data-testid=${id}]`);
  const selling = lines.length > 0;
  useFunctionKey(TILL_KEYS.cash, () => cashRef.current?.select(), selling);
  useFunctionKey(TILL_KEYS.exact, exact, selling);
  useFunctionKey(TILL_KEYS.card, () => openAndFocus(tender('card-tender')), selling);
  useFunctionKey(TILL_KEYS.qr, () => openAndFocus(tender('qr-tender')), selling);
  useFunctionKey(TILL_KEYS.newSale, () => (setReceipt(null), focusSearch()), !selling && receipt !== null);

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
        <CashierBar currency={currency} />
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
              {...{ [SCAN_INPUT_ATTRIBUTE]: '' }}
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
                  <span className="result-name">
                    <ProductImage sha256={item.image} size={32} />
                    {item.name}
                  </span>
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

          <QuickGrid onAdd={add} />

          <section aria-labelledby={`${ids}-cart`} className="cart">
            <div className="cart-head">
              <h2 id={`${ids}-cart`}>{t('pos.cart')}</h2>
              <QuantityControl
                line={lines.at(-1)}
                onSet={(qty) => update(lines.at(-1)!.sku, (l) => ({ ...l, qty }))}
              />
            </div>
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
          {/* Parked or recalled: the last "X added" belonged to the cart that left (#18). */}
          <ParkedSales
            hasCart={lines.length > 0}
            currency={currency}
            onDone={() => {
              setNotice(undefined);
              focusSearch();
            }}
          />
        </div>

        <div className="till-right">
          {receipt && lines.length === 0 && (
            <Receipt
              sale={receipt}
              printable
              onNewSale={() => {
                setReceipt(null);
                focusSearch();
              }}
            />
          )}
          {lines.length > 0 && (
            <section aria-labelledby={`${ids}-payment`} className="payment" ref={paymentRef}>
              <h2 id={`${ids}-payment`}>{t('pos.payment')}</h2>
              <div className="settings-form">
                <label>
                  <span>
                    {t('pos.cash')} ({currency}) <kbd>{TILL_KEYS.cash}</kbd>
                  </span>
                  <input
                    ref={cashRef}
                    aria-keyshortcuts={TILL_KEYS.cash}
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
                  aria-keyshortcuts={TILL_KEYS.exact}
                  onClick={exact}
                >
                  {t('pos.exact')} <kbd>{TILL_KEYS.exact}</kbd>
                </button>
                <CardTender
                  card={card}
                  onChange={setCard}
                  currency={currency}
                  amountDue={due > BigInt(qrMinor ?? 0) ? due - BigInt(qrMinor ?? 0) : 0n}
                  amountInvalid={cardMinor === null}
                />
                <QrTender
                  currency={currency}
                  dueMinor={Number(due > BigInt(cardMinor ?? 0) ? due - BigInt(cardMinor ?? 0) : 0n)}
                  payment={qr}
                  onChange={setQr}
                />
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

      {cashCheck !== null && (
        <CashConfirmDialog
          currency={currency}
          cash={cashCheck}
          onConfirm={() => {
            setCashCheck(null);
            void pay(true);
          }}
          onCancel={() => setCashCheck(null)}
        />
      )}
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
  const { parseMajor } = useMoneyInput();
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
