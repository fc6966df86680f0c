import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  HardwareChoice,
  HardwareDevice,
  HardwareEvent,
  HardwareRole,
  HardwareRoleStatus,
  HardwareState,
} from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { useHardwareEvents } from './useHardwareEvents';
import { WedgeFields } from './WedgeFields';

const ROLES: readonly HardwareRole[] = ['cardReader', 'scanner', 'printer'];
/** Which discovered devices can serve a role; a plain keyboard may be a wedge scanner or an MSR. */
const FITS: Record<HardwareRole, readonly HardwareDevice['category'][]> = {
  cardReader: ['card-reader', 'keyboard-wedge'],
  scanner: ['scanner-hid-pos', 'keyboard-wedge'],
  printer: ['printer'],
};

type Message = { kind: 'ok' | 'error'; text: string };

/** Settings → POS hardware: choose, test and watch the card reader, scanner and printer. */
export function HardwareSection() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { value: status } = useSubscription('hardware.status');
  const [state, setState] = useState<HardwareState>();
  const [message, setMessage] = useState<Message>();
  const [lastEvent, setLastEvent] = useState<string>();
  const [scanText, setScanText] = useState('6001234567890');

  const fail = (error: unknown) =>
    setMessage({ kind: 'error', text: error instanceof Error ? errorText(t, error) : String(error) });

  useEffect(() => {
    let live = true;
    api.call('hardware.list', {}).then(
      (s) => live && setState(s),
      (error: unknown) =>
        live &&
        setMessage({ kind: 'error', text: error instanceof Error ? errorText(t, error) : String(error) }),
    );
    return () => {
      live = false;
    };
    // Listed again whenever a device is plugged in or out.
  }, [api, t, status?.devicesVersion]);

  const describe = (event: HardwareEvent): string =>
    event.type === 'card'
      ? t('hardware.swiped', { brand: event.brand, last4: event.last4 })
      : event.type === 'bad-swipe'
        ? t('hardware.swipeAgain', {
            reason: t(`hardware.reasons.${event.reason}`, { defaultValue: event.message }),
          })
        : event.type === 'scan-discarded'
          ? t('errorCodes.CARD_DATA_DISCARDED')
          : t('hardware.scanned', { symbology: event.symbology ?? '?', text: event.text });

  useHardwareEvents((event) => setLastEvent(describe(event)));

  const run = async (work: () => Promise<Message | undefined>) => {
    setMessage(undefined);
    try {
      const result = await work();
      if (result) setMessage(result);
    } catch (error) {
      fail(error);
    }
  };

  const demo = status?.demo ?? state?.demo ?? false;
  const roleStatus = (role: HardwareRole): HardwareRoleStatus | undefined =>
    status?.roles.find((r) => r.role === role);

  return (
    <section aria-labelledby="hardware-heading" data-testid="hardware">
      <h2 id="hardware-heading">{t('hardware.heading')}</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={demo}
          onChange={(e) => {
            const on = e.target.checked;
            void run(async () => {
              setState(await api.call('hardware.demo.set', { on }));
              return undefined;
            });
          }}
        />
        {t('hardware.demo')}
      </label>
      <p className="hint">{t('hardware.demoHint')}</p>
      {state && !demo && state.devices.length === 0 && <p className="hint">{t('hardware.noDevices')}</p>}

      <dl className="facts">
        {ROLES.map((role) => {
          const s = roleStatus(role);
          return (
            <RoleRow
              key={role}
              role={role}
              status={s}
              demo={demo}
              devices={(state?.devices ?? []).filter((d) => FITS[role].includes(d.category))}
              choice={state?.choices[role] ?? null}
              lastEventText={
                s?.lastEvent
                  ? t('hardware.lastEvent', {
                      kind: s.lastEvent.message
                        ? `${s.lastEvent.kind} (${s.lastEvent.message})`
                        : s.lastEvent.kind,
                      at: new Date(s.lastEvent.at).toLocaleTimeString(i18n.language),
                    })
                  : ''
              }
              onChoose={(choice) =>
                void run(async () => {
                  setState(await api.call('hardware.choose', { role, choice }));
                  return undefined;
                })
              }
              onSaveWedge={(choice) =>
                void run(async () => {
                  setState(await api.call('hardware.choose', { role, choice }));
                  return { kind: 'ok', text: t('hardware.wedgeSaved') };
                })
              }
              onTest={() =>
                void run(async () => {
                  const { outcome } = await api.call('hardware.test', { role });
                  if (outcome === 'printed') return { kind: 'ok', text: t('hardware.testPrinted') };
                  return {
                    kind: 'ok',
                    text: t(role === 'cardReader' ? 'hardware.testCardReader' : 'hardware.testScanner'),
                  };
                })
              }
            />
          );
        })}
      </dl>

      {demo && (
        <fieldset className="row" data-testid="hardware-demo">
          <legend>{t('hardware.simulate')}</legend>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void run(async () => void (await api.call('hardware.demo.swipe', { card: 'visa' })))
            }
          >
            {t('hardware.swipeGood')}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void run(async () => void (await api.call('hardware.demo.swipe', { card: 'bad-swipe' })))
            }
          >
            {t('hardware.swipeBad')}
          </button>
          <label>
            {t('hardware.scanText')}
            <input value={scanText} onChange={(e) => setScanText(e.target.value)} autoComplete="off" />
          </label>
          <button
            type="button"
            className="secondary"
            disabled={scanText.trim() === ''}
            onClick={() =>
              void run(async () => void (await api.call('hardware.demo.scan', { text: scanText.trim() })))
            }
          >
            {t('hardware.scan')}
          </button>
        </fieldset>
      )}

      {lastEvent && (
        <p role="status" className="hint" data-testid="hardware-event">
          {lastEvent}
        </p>
      )}
      {message && (
        <p
          role={message.kind === 'error' ? 'alert' : 'status'}
          className={message.kind === 'error' ? 'error-message' : 'ok'}
          data-testid="hardware-message"
        >
          {message.text}
        </p>
      )}
    </section>
  );
}

function RoleRow({
  role,
  status,
  demo,
  devices,
  choice,
  lastEventText,
  onChoose,
  onSaveWedge,
  onTest,
}: {
  role: HardwareRole;
  status: HardwareRoleStatus | undefined;
  demo: boolean;
  devices: HardwareDevice[];
  choice: HardwareChoice | null;
  lastEventText: string;
  onChoose: (choice: HardwareChoice | null) => void;
  onSaveWedge: (choice: HardwareChoice) => void;
  onTest: () => void;
}) {
  const { t } = useTranslation();
  const chosenMissing = choice && !devices.some((d) => d.id === choice.deviceId);
  const label = (d: HardwareDevice) =>
    [d.manufacturer, d.product].filter(Boolean).join(' ') ||
    `${d.vendorId.toString(16).padStart(4, '0')}:${d.productId.toString(16).padStart(4, '0')}`;
  const selectId = `hardware-${role}`;
  // A device not plugged in now cannot say what it is: a saved configuration says it was a wedge.
  const wedge =
    role === 'scanner' &&
    choice &&
    (choice.scannerMode === 'keyboard-wedge' ||
      Boolean(choice.wedge) ||
      devices.some((d) => d.id === choice.deviceId && d.category === 'keyboard-wedge'));
  return (
    <>
      <dt>
        <label htmlFor={selectId}>{t(`hardware.role_${role}`)}</label>
      </dt>
      <dd>
        <div className="row">
          <select
            id={selectId}
            value={choice?.deviceId ?? ''}
            onChange={(e) => onChoose(e.target.value ? { deviceId: e.target.value } : null)}
          >
            <option value="">{t('hardware.none')}</option>
            {devices.map((d) => (
              <option key={d.id} value={d.id}>
                {label(d)}
              </option>
            ))}
            {chosenMissing && (
              <option value={choice.deviceId}>{t('hardware.notPlugged', { id: choice.deviceId })}</option>
            )}
          </select>
          <button
            type="button"
            className="small secondary"
            aria-label={`${t('hardware.test')}: ${t(`hardware.role_${role}`)}`}
            onClick={onTest}
          >
            {t('hardware.test')}
          </button>
        </div>
        <span data-testid={`hardware-status-${role}`} data-state={status?.state ?? 'disconnected'}>
          {demo ? `${t('hardware.simulator')} · ` : ''}
          {t(`hardware.state_${status?.state ?? 'disconnected'}`)}
        </span>
        {lastEventText && <small className="hint"> — {lastEventText}</small>}
        {wedge && (
          <WedgeFields
            key={`${choice.deviceId}|${JSON.stringify(choice.wedge ?? null)}`}
            saved={choice.wedge}
            onSave={(config) => onSaveWedge({ ...choice, wedge: config })}
          />
        )}
      </dd>
    </>
  );
}
