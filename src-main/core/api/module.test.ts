import { BehaviorSubject, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Settings, SyncStatus } from '../../../protocol/api';
import { startModules, type CoreContext, type CoreModule, type ModuleList } from './module';

/**
 * The registry the core starts its feature modules with: in order, each seeing what the ones before
 * it offer, the one store-unavailable gate for a module that cannot start, and closing in reverse.
 */
const settings: Settings = {
  locale: 'en',
  serverUrl: 'http://127.0.0.1:1',
  currency: 'XOF',
  terminalName: 'T',
};
const base = { db: null, storeError: null } as unknown as Omit<CoreContext, 'offered' | 'need'>;

function settingsModule(log: string[]): CoreModule<'settings'> {
  const settings$ = new BehaviorSubject(settings);
  return {
    feature: 'settings',
    async start() {
      log.push('start settings');
      return {
        commands: {
          'settings.get': async () => settings$.value,
          'settings.update': async () => settings$.value,
        },
        subscriptions: { 'settings.changes': () => settings$ },
        close: () => void log.push('close settings'),
      };
    },
  };
}

function posModule(log: string[], fail: Error | null): CoreModule<'pos'> {
  return {
    feature: 'pos',
    unavailable: 'The sales database',
    async start() {
      log.push('start pos');
      if (fail) throw fail;
      throw new Error('this test does not start a real till');
    },
  };
}

function syncModule(log: string[]): CoreModule<'sync'> {
  return {
    feature: 'sync',
    unavailable: 'The sales database',
    async start({ need }) {
      log.push('start sync');
      need('pos');
      const status = {} as SyncStatus;
      return {
        commands: { 'sync.now': async () => status },
        subscriptions: { 'sync.status': () => new BehaviorSubject(status) },
        close: () => void log.push('close sync'),
      };
    },
  };
}

describe('feature modules', () => {
  it('gates a module that cannot start, and those needing it, with its reason; the others serve', async () => {
    const log: string[] = [];
    const modules: ModuleList = [
      settingsModule(log),
      posModule(log, new Error('disk full')),
      syncModule(log),
    ];
    const running = await startModules(modules, base);
    expect(await running.handlers.commands['settings.get']({})).toEqual(settings);
    const refusal = {
      code: 'STORE_UNAVAILABLE',
      message: 'The sales database could not be opened: disk full.',
    };
    await expect(running.handlers.commands['pos.shift.open']({ floatMinor: 0 })).rejects.toMatchObject(
      refusal,
    );
    await expect(
      firstValueFrom(running.handlers.subscriptions['pos.sales.recent']({ limit: 5 })),
    ).rejects.toMatchObject(refusal);
    // Sync needs what the till would have offered: refused for the till's reason, not its own.
    await expect(running.handlers.commands['sync.now']({})).rejects.toMatchObject(refusal);
    await expect(firstValueFrom(running.handlers.subscriptions['sync.status']({}))).rejects.toMatchObject(
      refusal,
    );
    await running.close();
    expect(log).toEqual(['start settings', 'start pos', 'start sync', 'close settings']);
  });

  it('closes started modules in reverse order, and stops the core if an ungated module fails', async () => {
    const log: string[] = [];
    const offering: CoreModule<'pos'> = {
      feature: 'pos',
      async start() {
        log.push('start pos');
        return {
          commands: {},
          subscriptions: {},
          offers: { pos: {} },
          close: () => void log.push('close pos'),
        } as never;
      },
    };
    const running = await startModules([settingsModule(log), offering, syncModule(log)], base);
    await running.close();
    expect(log).toEqual([
      'start settings',
      'start pos',
      'start sync',
      'close sync',
      'close pos',
      'close settings',
    ]);

    const failing: CoreModule<'hardware'> = {
      feature: 'hardware',
      async start() {
        throw new Error('no USB');
      },
    };
    log.length = 0;
    await expect(startModules([settingsModule(log), failing], base)).rejects.toThrow('no USB');
    expect(log).toEqual(['start settings', 'close settings']);
  });
});
