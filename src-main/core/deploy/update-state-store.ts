import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import type { SettingDoc } from '@outpost/terminal-sdk';
import { INITIAL_STATE, UpdateError, UpdateState } from './update-manifest';

/** Settings key of the anti-rollback state in the encrypted store. */
export const UPDATE_STATE_KEY = 'update.state';
/** Where versions before issue #16 kept it, in plain JSON: moved in once, then deleted. */
export const LEGACY_UPDATE_STATE_FILE = 'update-state.json';

/**
 * The updater's memory of the newest manifest it has seen (highest version, its release date and
 * signature), kept in the encrypted store (issue #16). In a plain file, deleting or editing it
 * forgot that memory, and an older signed (perhaps vulnerable) release or a stale manifest was then
 * accepted again. The first start with the store open moves the old `update-state.json` in and
 * deletes it; a file of that name is never read again once the store holds the state. The updater
 * runs in the process that owns the store (src-main/shell/start-updates.ts). Without the store the
 * updater refuses every manifest (STATE_UNAVAILABLE) rather than check it against a blank memory.
 */
export class UpdateStateStore {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly collection: RxCollection<SettingDoc> | null,
    /** Why there is no state to check against: the store is down, or the old file is damaged. */
    private readonly refusal: UpdateError | null,
  ) {}

  static unavailable(reason: string): UpdateStateStore {
    return new UpdateStateStore(
      null,
      new UpdateError('STATE_UNAVAILABLE', `the encrypted store is not open: ${reason}`),
    );
  }

  static async open(dataDir: string, collection: RxCollection<SettingDoc>): Promise<UpdateStateStore> {
    const legacy = join(dataDir, LEGACY_UPDATE_STATE_FILE);
    if (await collection.findOne(UPDATE_STATE_KEY).exec()) {
      // Left by a crash between the move and the delete: the store already holds the state.
      await rm(legacy, { force: true });
      return new UpdateStateStore(collection, null);
    }
    let state: UpdateState;
    try {
      state = UpdateState.parse(JSON.parse(await readFile(legacy, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A damaged old file must not reopen the door to rollback: refuse until IT looks at it.
        const message = `${LEGACY_UPDATE_STATE_FILE} is damaged: ${(error as Error).message}`;
        return new UpdateStateStore(null, new UpdateError('MALFORMED', message));
      }
      state = INITIAL_STATE;
    }
    const store = new UpdateStateStore(collection, null);
    await store.save(state);
    await rm(legacy, { force: true });
    return store;
  }

  async load(): Promise<UpdateState> {
    if (this.refusal || !this.collection)
      throw this.refusal ?? new UpdateError('STATE_UNAVAILABLE', 'no store');
    const doc = await this.collection.findOne(UPDATE_STATE_KEY).exec();
    const parsed = doc ? UpdateState.safeParse(safeJson(doc.value)) : null;
    if (!parsed) return INITIAL_STATE;
    if (!parsed.success) throw new UpdateError('MALFORMED', `${UPDATE_STATE_KEY} in the store is damaged`);
    return parsed.data;
  }

  /** Writes are serialised; the state checkManifest returns never lowers the highest version. */
  save(state: UpdateState): Promise<void> {
    const run = this.writing.then(async () => {
      if (!this.collection) throw this.refusal ?? new UpdateError('STATE_UNAVAILABLE', 'no store');
      await this.collection.upsert({
        key: UPDATE_STATE_KEY,
        value: JSON.stringify(UpdateState.parse(state)),
        updatedAt: Date.now(),
      });
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
