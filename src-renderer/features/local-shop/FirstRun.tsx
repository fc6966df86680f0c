import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LOCAL_SHOP_COUNTRIES, LOCAL_SHOP_MIN_PASSWORD, LocalShopCountry } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { FormError } from '../cashiers/FormError';
import { toApiError } from '../pos/format';

/**
 * The first screen of a till with no server (issue #19, item 11): connect to the shop's server
 * (enroll with its code, in Settings), or run a local shop on this computer, created here. A till
 * whose data was lost (`tillStopped`) says so and offers no local shop: it belongs to a shop already,
 * and a manager's new code brings it back (docs/sync.md).
 */
export function FirstRun({ tillStopped }: { tillStopped: boolean }) {
  const { t } = useTranslation();
  const { value: shop } = useSubscription('localShop.status');
  return (
    <div className="first-run">
      <div className="notice" data-testid="pos-not-enrolled">
        <p>{t('pos.notEnrolled')}</p>
        {tillStopped && <p className="error-message">{t('enrollment.dataLost')}</p>}
      </div>
      <section className="settings-form" aria-labelledby="connect-server">
        <h2 id="connect-server">{t('localShop.connectHeading')}</h2>
        <p className="hint">{t('localShop.connectHint')}</p>
        <p>
          <a href="#/settings">{t('pos.enrollLink')}</a>
        </p>
      </section>
      {shop?.available && !tillStopped && <LocalShopForm />}
    </div>
  );
}

function LocalShopForm() {
  const { t } = useTranslation();
  const api = useApi();
  const [country, setCountry] = useState<LocalShopCountry>('SN');
  const [shopName, setShopName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const tooShort = password.length > 0 && password.length < LOCAL_SHOP_MIN_PASSWORD;
  const mismatch = confirm.length > 0 && confirm !== password;
  const ready =
    shopName.trim() !== '' &&
    email.trim() !== '' &&
    password.length >= LOCAL_SHOP_MIN_PASSWORD &&
    confirm === password;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.call('localShop.create', {
        country,
        shopName: shopName.trim(),
        ownerEmail: email.trim(),
        ownerPassword: password,
      });
    } catch (caught) {
      const apiError = toApiError(caught);
      const text = errorText(t, apiError);
      setError(text === apiError.message ? text : `${text} ${apiError.message}`);
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form"
      aria-labelledby="local-shop"
      data-testid="local-shop-form"
      onSubmit={(e) => void submit(e)}
    >
      <h2 id="local-shop">{t('localShop.heading')}</h2>
      <p className="hint">{t('localShop.hint')}</p>
      <label>
        {t('localShop.country')}
        <select value={country} onChange={(e) => setCountry(LocalShopCountry.parse(e.target.value))}>
          {LocalShopCountry.options.map((code) => (
            <option key={code} value={code}>
              {t(`localShop.countries.${code}`)} ({LOCAL_SHOP_COUNTRIES[code].currency})
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('localShop.shopName')}
        <input value={shopName} onChange={(e) => setShopName(e.target.value)} maxLength={64} />
      </label>
      <label>
        {t('localShop.ownerEmail')}
        <input
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          autoComplete="username"
        />
      </label>
      <NewPassword
        label={t('localShop.ownerPassword')}
        value={password}
        onChange={setPassword}
        invalid={tooShort}
        describedBy="local-shop-password-rule"
      />
      <p className="hint" id="local-shop-password-rule">
        {t('localShop.passwordRule', { count: LOCAL_SHOP_MIN_PASSWORD })}
      </p>
      <NewPassword
        label={t('localShop.repeatPassword')}
        value={confirm}
        onChange={setConfirm}
        invalid={mismatch}
      />
      {mismatch && <p className="error-message">{t('localShop.mismatch')}</p>}
      <button type="submit" disabled={!ready || busy}>
        {busy ? t('localShop.creating') : t('localShop.create')}
      </button>
      <FormError text={error} />
    </form>
  );
}

/** A password being chosen: never filled in from a saved one. */
function NewPassword(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  invalid: boolean;
  describedBy?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        type="password"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete="new-password"
        aria-invalid={props.invalid}
        aria-describedby={props.describedBy}
      />
    </label>
  );
}

/**
 * While this app runs a local shop: says so, opens its back office in the system browser, and says
 * how to move to a real server.
 */
export function LocalShopBanner() {
  const { t } = useTranslation();
  const { value: shop } = useSubscription('localShop.status');
  if (!shop || shop.state === 'none') return null;
  return (
    <aside className="notice local-shop" aria-labelledby="local-shop-banner" data-testid="local-shop">
      <h2 id="local-shop-banner">{t('localShop.bannerHeading', { name: shop.shopName ?? '' })}</h2>
      <p data-testid="local-shop-state" data-state={shop.state}>
        {t(`localShop.state.${shop.state}`)}
        {shop.error ? ` ${shop.error}` : ''}
        {shop.state === 'failed' ? ` ${t('localShop.tillPaused')}` : ''}
      </p>
      {shop.busyPort !== null && shop.url && (
        <p data-testid="local-shop-moved">
          {t('localShop.portMoved', { port: shop.busyPort, url: shop.url })}
        </p>
      )}
      {shop.consoleUrl && shop.state === 'running' && (
        <p>
          <a href={shop.consoleUrl} target="_blank" rel="noreferrer">
            {t('localShop.openConsole')}
          </a>{' '}
          {t('localShop.signInAs', { email: shop.ownerEmail ?? '' })}
        </p>
      )}
      <p className="hint">{t('localShop.moveToServer')}</p>
    </aside>
  );
}
