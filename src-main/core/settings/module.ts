import type { CoreModule } from '../api/module';

/** Settings: the store itself is shared by every module (the server address above all). */
export const settingsModule: CoreModule<'settings'> = {
  feature: 'settings',
  async start({ settings }) {
    return {
      commands: {
        'settings.get': async () => settings.current,
        'settings.update': (patch) => settings.update(patch),
      },
      subscriptions: {
        'settings.changes': () => settings.changes,
      },
    };
  },
};
