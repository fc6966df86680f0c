import type { ApiError } from '../../../protocol/api';
import type { RxCollection } from 'rxdb';
import type { CommandHandlers } from '../api/handlers';
import type { DeviceIdentity } from '@outpost/terminal-sdk';
import type { LicenceDoc } from '../store/schemas/licences';
import type { MaterialDoc } from '../store/schemas/materials';
import type { ReadingDoc } from '../store/schemas/reading';
import type { SettingDoc } from '@outpost/terminal-sdk';
import type { ReaderAnchor } from '../trust/rollback-anchor';
import type { ContentSessions } from './content';
import { LibraryService } from './library-service';
import { processMonotonic, SecureClock, SecureClockState, type SecureClockPersistence } from './secure-clock';
import type { KeyObject } from 'node:crypto';

export { ContentSessions, ELECTRON_CONTENT_BASE, type ContentReply } from './content';
export { LibraryService } from './library-service';
export { SecureClock } from './secure-clock';

export interface ReaderDeps {
  dataDir: string;
  collections: {
    materials: RxCollection<MaterialDoc>;
    licences: RxCollection<LicenceDoc>;
    reading: RxCollection<ReadingDoc>;
    settings: RxCollection<SettingDoc>;
  };
  identity: () => Promise<DeviceIdentity>;
  /** The server of this device's enrollment, null when not enrolled. */
  serverUrl: () => string | null;
  serverHeld?: () => ApiError | null;
  /**
   * The server signing key licences and signed time verify against (server-key.ts), the same one
   * the till's signed policy is checked with: the core builds it once from its sources.
   */
  serverKey: () => Promise<KeyObject>;
  content: ContentSessions;
  /** The system clock (CoreConfig.clock): Date.now unless a test or the e2e host moves it. */
  clock?: () => number;
  renewWithinMs?: number;
  /** The keychain's anti-rollback anchor (trust/rollback-anchor.ts): the clock's floor, licence moves. */
  anchor?: ReaderAnchor;
}

export type LibraryCommands = Pick<
  CommandHandlers,
  | 'library.refresh'
  | 'library.download'
  | 'library.pause'
  | 'library.open'
  | 'library.close'
  | 'library.return'
  | 'library.remove'
  | 'library.renew'
  | 'library.reading.save'
>;

export interface Reader {
  library: LibraryService;
  clock: SecureClock;
  commands: LibraryCommands;
  close(): Promise<void>;
}

const CLOCK_SETTING = 'reader.clock';

/**
 * The secure clock's state lives in the encrypted store: a plain file could be edited back. Its
 * high-water mark is also anchored in the keychain, which a copy of the store put back does not
 * roll back: the clock starts from the later of the two (#16).
 */
function clockPersistence(settings: RxCollection<SettingDoc>, anchor?: ReaderAnchor): SecureClockPersistence {
  return {
    async load() {
      const doc = await settings.findOne(CLOCK_SETTING).exec();
      const parsed = doc ? SecureClockState.safeParse(JSON.parse(doc.value)) : null;
      const stored = parsed?.success ? parsed.data : null;
      const floor = anchor?.highWaterMs() ?? 0;
      if (!stored) return floor > 0 ? { offsetMs: 0, highWaterMs: floor, lastCheckInMs: null } : null;
      return { ...stored, highWaterMs: Math.max(stored.highWaterMs, floor) };
    },
    async save(state) {
      await settings.incrementalUpsert({
        key: CLOCK_SETTING,
        value: JSON.stringify(state),
        updatedAt: Date.now(),
      });
      await anchor?.clockSaved(state.highWaterMs);
    },
  };
}

export async function createReader(deps: ReaderDeps): Promise<Reader> {
  const anchor = deps.anchor;
  const clock = await SecureClock.open(
    {
      system: deps.clock ?? Date.now,
      monotonic: processMonotonic,
      ...(anchor ? { suspended: () => anchor.suspended() } : {}),
    },
    clockPersistence(deps.collections.settings, anchor),
  );
  const library = await LibraryService.open({
    dataDir: deps.dataDir,
    collections: deps.collections,
    identity: deps.identity,
    serverUrl: deps.serverUrl,
    ...(deps.serverHeld ? { serverHeld: deps.serverHeld } : {}),
    serverKey: deps.serverKey,
    clock,
    content: deps.content,
    contentUrl: (id) => deps.content.urlFor(id),
    ...(anchor ? { anchor } : {}),
    ...(deps.renewWithinMs === undefined ? {} : { renewWithinMs: deps.renewWithinMs }),
  });
  deps.content.onChunkFailure = (materialId, error) => {
    library.chunkFailed(materialId, error).catch(() => undefined);
  };
  return {
    library,
    clock,
    commands: {
      'library.refresh': () => library.refresh(),
      'library.download': ({ materialId }) => library.download(materialId),
      'library.pause': ({ materialId }) => library.pause(materialId),
      'library.open': ({ materialId }) => library.open(materialId),
      'library.close': async ({ materialId }) => library.close(materialId),
      'library.return': ({ materialId }) => library.returnItem(materialId),
      'library.remove': ({ materialId }) => library.remove(materialId),
      'library.renew': ({ materialId }) => library.renewNow(materialId),
      'library.reading.save': ({ materialId, position, bookmarks }) =>
        library.saveReading(materialId, { position, bookmarks }),
    },
    async close() {
      await library.stop();
      await clock.close();
    },
  };
}
