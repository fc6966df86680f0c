import type { RxCollection } from 'rxdb';
import type { CommandHandlers } from '../api/handlers';
import type { DeviceIdentity } from '../device/identity';
import type { LicenceDoc } from '../store/schemas/licences';
import type { MaterialDoc } from '../store/schemas/materials';
import type { SettingDoc } from '../store/schemas/settings';
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
    settings: RxCollection<SettingDoc>;
  };
  identity: () => Promise<DeviceIdentity>;
  /** The server of this device's enrollment, null when not enrolled. */
  serverUrl: () => string | null;
  /**
   * The server signing key licences and signed time verify against (server-key.ts), the same one
   * the till's signed policy is checked with: the core builds it once from its sources.
   */
  serverKey: () => Promise<KeyObject>;
  content: ContentSessions;
  /** The system clock (CoreConfig.clock): Date.now unless a test or the e2e host moves it. */
  clock?: () => number;
  renewWithinMs?: number;
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
>;

export interface Reader {
  library: LibraryService;
  clock: SecureClock;
  commands: LibraryCommands;
  close(): Promise<void>;
}

const CLOCK_SETTING = 'reader.clock';

/** The secure clock's state lives in the encrypted store: a plain file could be edited back. */
function clockPersistence(settings: RxCollection<SettingDoc>): SecureClockPersistence {
  return {
    async load() {
      const doc = await settings.findOne(CLOCK_SETTING).exec();
      if (!doc) return null;
      const parsed = SecureClockState.safeParse(JSON.parse(doc.value));
      return parsed.success ? parsed.data : null;
    },
    async save(state) {
      await settings.incrementalUpsert({
        key: CLOCK_SETTING,
        value: JSON.stringify(state),
        updatedAt: Date.now(),
      });
    },
  };
}

export async function createReader(deps: ReaderDeps): Promise<Reader> {
  const clock = await SecureClock.open(
    { system: deps.clock ?? Date.now, monotonic: processMonotonic },
    clockPersistence(deps.collections.settings),
  );
  const library = await LibraryService.open({
    dataDir: deps.dataDir,
    collections: deps.collections,
    identity: deps.identity,
    serverUrl: deps.serverUrl,
    serverKey: deps.serverKey,
    clock,
    content: deps.content,
    contentUrl: (id) => deps.content.urlFor(id),
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
    },
    async close() {
      await library.stop();
      await clock.close();
    },
  };
}
