import { BehaviorSubject, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DeviceStatus, ServerMessage, Settings } from '../../../protocol/api';
import type { ApiHandlers } from './handlers';
import { callCommand } from './dispatch';
import { createSession } from './session';

const settings: Settings = {
  locale: 'en',
  serverUrl: 'http://127.0.0.1:1',
  currency: 'XOF',
  terminalName: 'T',
};
const status: DeviceStatus = {
  appVersion: '1.0.0',
  platform: 'test',
  deviceId: null,
  fingerprint: null,
  identityError: null,
  provisioning: { state: 'absent', message: null },
  features: ['pos', 'library'],
  enrollment: 'not_enrolled',
  enrollmentMode: null,
  tillStopped: false,
  server: { url: settings.serverUrl, reachability: 'unknown', checkedAt: null, lastError: null },
  startedAt: new Date(0).toISOString(),
};

const unused = async (): Promise<never> => {
  throw new Error('not used by these tests');
};

function fakeHandlers(overrides: Partial<ApiHandlers['commands']> = {}) {
  const settings$ = new BehaviorSubject(settings);
  const status$ = new Subject<DeviceStatus>();
  const handlers: ApiHandlers = {
    commands: {
      'app.status': async () => status,
      'settings.get': async () => settings$.value,
      'settings.update': async (patch) => {
        settings$.next({ ...settings$.value, ...patch });
        return settings$.value;
      },
      'enrollment.get': unused,
      'enrollment.redeemCode': unused,
      'enrollment.registerLaptop': unused,
      'localShop.create': unused,
      'enrollment.checkIn': unused,
      'pos.catalog.search': unused,
      'pos.catalog.byBarcode': unused,
      'pos.catalog.image': unused,
      'pos.sale.capture': unused,
      'pos.sale.refund': unused,
      'pos.sale.void': unused,
      'pos.sale.refundQuote': unused,
      'pos.shift.open': unused,
      'pos.shift.close': unused,
      'pos.managerPin.set': unused,
      'pos.quickKeys.set': unused,
      'pos.cashier.list': unused,
      'pos.cashier.set': unused,
      'pos.cashier.signIn': unused,
      'pos.cashier.lock': unused,
      'pos.drawer.move': unused,
      'pos.shift.xReport': unused,
      'sync.now': unused,
      'pos.qr.request': unused,
      'pos.qr.verify': unused,
      'library.refresh': unused,
      'library.download': unused,
      'library.pause': unused,
      'library.open': unused,
      'library.close': unused,
      'library.return': unused,
      'library.remove': unused,
      'library.renew': unused,
      'library.reading.save': unused,
      // POS hardware (issue 6)
      'hardware.list': unused,
      'hardware.choose': unused,
      'hardware.test': unused,
      'hardware.demo.set': unused,
      'hardware.demo.swipe': unused,
      'hardware.demo.scan': unused,
      'hardware.demo.scanCard': unused,
      'hardware.demo.lastPrint': unused,
      'pos.receipt.print': unused,
      'pos.receipt.preview': unused,
      'pos.receipt.reprint': unused,
      'pos.zreport.print': unused,
      'pos.xreport.print': unused,
      'pos.cart.save': unused,
      'pos.cart.park': unused,
      'pos.cart.recall': unused,
      'pos.cart.discard': unused,
      ...overrides,
    },
    subscriptions: {
      'device.status': () => status$,
      'settings.changes': () => settings$,
      'pos.pending': () => new Subject(),
      'pos.quickKeys': () => new Subject(),
      'sync.status': () => new Subject(),
      'localShop.status': () => new Subject(),
      'pos.shift.current': () => new Subject(),
      'pos.cashier.current': () => new Subject(),
      'pos.sales.recent': () => new Subject(),
      'pos.clock': () => new Subject(),
      'pos.cart.current': () => new Subject(),
      'pos.cart.parked': () => new Subject(),
      'library.items': () => new Subject(),
      'hardware.status': () => new Subject(),
      'hardware.events': () => new Subject(),
    },
  };
  return { handlers, status$, settings$ };
}

function collect(handlers: ApiHandlers) {
  const sent: ServerMessage[] = [];
  const session = createSession(handlers, (m) => sent.push(m));
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { sent, session, settle };
}

describe('dispatch', () => {
  it('rejects unknown methods and invalid input with typed errors', async () => {
    const { handlers } = fakeHandlers();
    await expect(callCommand(handlers, 'nope', {})).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    await expect(callCommand(handlers, 'toString', {})).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    await expect(callCommand(handlers, 'settings.update', { currency: 'EURO' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(callCommand(handlers, 'settings.update', { extra: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(callCommand(handlers, 'settings.update', 'x')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('refuses a control character anywhere in a call input before its schema or handler (#16)', async () => {
    let reached = 0;
    const { handlers, settings$ } = fakeHandlers({
      'pos.catalog.search': async () => {
        reached++;
        return { items: [] };
      },
      'pos.sale.capture': async () => {
        reached++;
        throw new Error('a sale with a control character reached the store');
      },
    });
    const refused = { code: 'CONTROL_CHARACTERS' };
    await expect(
      callCommand(handlers, 'settings.update', { terminalName: 'Till\u00001' }),
    ).rejects.toMatchObject(refused);
    await expect(callCommand(handlers, 'settings.update', { terminalName: 'Till\n1' })).rejects.toMatchObject(
      refused,
    );
    expect(settings$.value.terminalName).toBe('T');
    await expect(callCommand(handlers, 'pos.catalog.search', { query: 'co\u0000ke' })).rejects.toMatchObject(
      refused,
    );
    const line = { name: 'Water\u0000', quantity: 1, unitPriceMinor: 100 };
    await expect(
      callCommand(handlers, 'pos.sale.capture', { lines: [line], tender: 'cash' }),
    ).rejects.toMatchObject({ ...refused, details: { path: 'lines.0.name' } });
    expect(reached).toBe(0);
  });

  it('hides the internals of handler failures and off-contract output', async () => {
    const { handlers } = fakeHandlers({
      'app.status': async () => {
        throw new Error('/secret/path exploded');
      },
      'settings.get': async () => ({ locale: 'de' }) as unknown as Settings,
    });
    const error = (await callCommand(handlers, 'app.status', {}).catch((e: unknown) => e)) as Error;
    await expect(callCommand(handlers, 'settings.get', {})).rejects.toThrow();
    const { toApiError } = await import('./dispatch');
    const body = toApiError(error).toBody();
    expect(body.code).toBe('INTERNAL');
    expect(body.message).not.toContain('/secret/path');
  });
});

describe('session', () => {
  it('answers calls by id', async () => {
    const { handlers } = fakeHandlers();
    const { sent, session, settle } = collect(handlers);
    session.receive({ type: 'call', id: 7, method: 'settings.update', input: { terminalName: 'Till 9' } });
    await settle();
    expect(sent).toEqual([{ type: 'result', id: 7, value: { ...settings, terminalName: 'Till 9' } }]);
  });

  it('answers malformed messages with a protocol error and keeps going', async () => {
    const { handlers } = fakeHandlers();
    const { sent, session, settle } = collect(handlers);
    for (const bad of [
      undefined,
      null,
      42,
      'call',
      { type: 'call' },
      { type: 'call', id: -1, method: 'x' },
      [],
    ]) {
      session.receive(bad);
    }
    session.receive({ type: 'call', id: 1, method: 'settings.get', input: {} });
    await settle();
    expect(sent.filter((m) => m.type === 'protocol-error')).toHaveLength(7);
    expect(sent.at(-1)).toMatchObject({ type: 'result', id: 1 });
  });

  it('streams subscription items until unsubscribed, and stops all on close', async () => {
    const { handlers, status$ } = fakeHandlers();
    const { sent, session } = collect(handlers);
    session.receive({ type: 'subscribe', id: 1, topic: 'device.status', input: {} });
    session.receive({ type: 'subscribe', id: 2, topic: 'settings.changes', input: {} });
    status$.next(status);
    session.receive({ type: 'unsubscribe', id: 1 });
    status$.next({ ...status, appVersion: '2' });
    expect(sent.filter((m) => m.type === 'item' && m.id === 1)).toHaveLength(1);
    expect(sent.filter((m) => m.type === 'item' && m.id === 2)).toHaveLength(1);
    expect(status$.observed).toBe(false);
    session.close();
    status$.next(status);
    expect(sent.filter((m) => m.type === 'item')).toHaveLength(2);
  });

  it('ends unknown or invalid subscriptions with an error', () => {
    const { handlers } = fakeHandlers();
    const { sent, session } = collect(handlers);
    session.receive({ type: 'subscribe', id: 3, topic: 'nope', input: {} });
    session.receive({ type: 'subscribe', id: 4, topic: 'device.status', input: { x: 1 } });
    expect(sent).toEqual([
      { type: 'end', id: 3, error: expect.objectContaining({ code: 'UNKNOWN_METHOD' }) },
      { type: 'end', id: 4, error: expect.objectContaining({ code: 'INVALID_INPUT' }) },
    ]);
  });

  it('refuses a subscription id already in use', () => {
    const { handlers } = fakeHandlers();
    const { sent, session } = collect(handlers);
    session.receive({ type: 'subscribe', id: 5, topic: 'settings.changes', input: {} });
    session.receive({ type: 'subscribe', id: 5, topic: 'settings.changes', input: {} });
    expect(sent.at(-1)).toMatchObject({ type: 'end', id: 5, error: { code: 'INVALID_MESSAGE' } });
  });
});
