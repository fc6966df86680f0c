import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import {
  ApiError,
  isAllowedServerUrl,
  SERVER_URL_NOT_HTTPS,
  Settings,
  type SettingsPatch,
} from '../../../protocol/api';
import { writeAtomically } from '../files/atomic-write';

/**
 * Settings persisted as one JSON file, written atomically (temp file, fsync, rename) so a crash
 * mid-write leaves either the old or the new settings, never a torn file.
 */
export class SettingsStore {
  private readonly subject: BehaviorSubject<Settings>;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    initial: Settings,
  ) {
    this.subject = new BehaviorSubject(initial);
  }

  static async open(dataDir: string, defaults: Settings): Promise<SettingsStore> {
    const file = join(dataDir, 'settings.json');
    return new SettingsStore(file, await readSettings(file, defaults));
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
      await writeAtomically(this.file, JSON.stringify(next, null, 2));
      this.subject.next(next);
      return next;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.subject.complete();
  }
}

async function readSettings(file: string, defaults: Settings): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaults;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // Invalid fields fall back to defaults one by one, so one bad value loses nothing else.
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
  if (rejected) {
    // Keep the unreadable original beside the file for support rather than lose it silently.
    await writeAtomically(`${file}.invalid-${Date.now()}`, text);
  }
  return Settings.parse(merged);
}
