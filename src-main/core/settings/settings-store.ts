import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import { BehaviorSubject, type Observable } from 'rxjs';
import {
  ApiError,
  isAllowedServerUrl,
  SERVER_URL_NOT_HTTPS,
  Settings,
  type SettingsPatch,
} from '../../../protocol/api';
import { writeAtomically } from '../files/atomic-write';
import type { SettingDoc } from '@outpost/terminal-sdk';

/** Settings key of the app's settings in the encrypted store. */
export const SETTINGS_KEY = 'app.settings';
/** Where versions before issue #16 kept them, in plain JSON: read once, then deleted. */
export const LEGACY_SETTINGS_FILE = 'settings.json';

/**
 * The app's settings, kept in the encrypted store (issue #16): they hold the server address sales
 * are pushed to, which a plain file would let anyone with the disk redirect. The first start after
 * the upgrade moves the old `settings.json` in and deletes it; a file of that name is never read
 * again once the store holds settings. Without the store (keychain or disk failure) the settings
 * live in memory for the run: nothing that moves money or licences works then anyway.
 */
export class SettingsStore {
  private readonly subject: BehaviorSubject<Settings>;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly collection: RxCollection<SettingDoc> | null,
    initial: Settings,
  ) {
    this.subject = new BehaviorSubject(initial);
  }

  static async open(
    dataDir: string,
    defaults: Settings,
    collection: RxCollection<SettingDoc> | null,
  ): Promise<SettingsStore> {
    const legacy = join(dataDir, LEGACY_SETTINGS_FILE);
    const doc = collection ? await collection.findOne(SETTINGS_KEY).exec() : null;
    if (doc) return new SettingsStore(collection, lenientSettings(safeJson(doc.value), defaults).settings);
    const fromFile = await readLegacy(legacy, defaults);
    const store = new SettingsStore(collection, fromFile);
    if (collection) {
      await store.write(fromFile);
      await rm(legacy, { force: true });
    }
    return store;
  }

  get current(): Settings {
    return this.subject.value;
  }

  get changes(): Observable<Settings> {
    return this.subject.asObservable();
  }

  /** Applies a validated patch; writes are serialised so concurrent updates cannot interleave. */
  update(patch: SettingsPatch): Promise<Settings> {
    if (patch.serverUrl !== undefined && !isAllowedServerUrl(patch.serverUrl)) {
      return Promise.reject(
        new ApiError(
          SERVER_URL_NOT_HTTPS,
          'The server address must start with https:// (plain http:// is only for this computer).',
          { field: 'serverUrl' },
        ),
      );
    }
    const run = this.writing.then(async () => {
      const next = Settings.parse({ ...this.subject.value, ...patch });
      await this.write(next);
      this.subject.next(next);
      return next;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.subject.complete();
  }

  private async write(settings: Settings): Promise<void> {
    await this.collection?.upsert({
      key: SETTINGS_KEY,
      value: JSON.stringify(settings),
      updatedAt: Date.now(),
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Invalid fields fall back to defaults one by one, so one bad value loses nothing else. */
function lenientSettings(json: unknown, defaults: Settings): { settings: Settings; rejected: boolean } {
  const merged: Record<string, unknown> = { ...defaults };
  let rejected = !json || typeof json !== 'object' || Array.isArray(json);
  if (!rejected) {
    for (const [key, value] of Object.entries(json as object)) {
      const field = Object.hasOwn(Settings.shape, key) ? Settings.shape[key as keyof Settings] : undefined;
      // A plain-http address of another machine (from before the https rule) is not kept either.
      const allowed = key !== 'serverUrl' || (typeof value === 'string' && isAllowedServerUrl(value));
      if (allowed && field?.safeParse(value).success) merged[key] = value;
      else rejected = true;
    }
  }
  return { settings: Settings.parse(merged), rejected };
}

async function readLegacy(file: string, defaults: Settings): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaults;
    throw error;
  }
  const { settings, rejected } = lenientSettings(safeJson(text), defaults);
  // Keep the unreadable original beside the file for support rather than lose it silently.
  if (rejected) await writeAtomically(`${file}.invalid-${Date.now()}`, text);
  return settings;
}
