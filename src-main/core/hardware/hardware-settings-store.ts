import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import { HardwareChoice } from '../../../protocol/api';
import { writeAtomically } from '../files/atomic-write';
import type { SettingDoc } from '@outpost/terminal-sdk';

/** What Settings chose: one device per role and whether demo hardware stands in for them. */
export const HardwareSettings = z.object({
  demo: z.boolean(),
  choices: z.object({
    cardReader: HardwareChoice.nullable(),
    scanner: HardwareChoice.nullable(),
    printer: HardwareChoice.nullable(),
  }),
});
export type HardwareSettings = z.infer<typeof HardwareSettings>;

export const NO_HARDWARE: HardwareSettings = {
  demo: false,
  choices: { cardReader: null, scanner: null, printer: null },
};

/** Settings key of the hardware choices in the encrypted store. */
export const HARDWARE_KEY = 'hardware.settings';
/** Where versions before issue #16 kept them, in plain JSON: read once, then deleted. */
export const LEGACY_HARDWARE_FILE = 'hardware.json';

/**
 * The hardware choices, kept in the encrypted store (issue #16): the demo switch makes simulated
 * card readers, scanners and printers stand in for real ones, and the roles say which device's
 * swipes count as card swipes, so a plain file would let anyone with the disk make a till take
 * "payments" from a simulator. The first start after the upgrade moves the old `hardware.json` in
 * and deletes it; a file of that name is never read again. Without the store (keychain or disk
 * failure) nothing is read from disk and choices live in memory for the run: no sale can be taken
 * then anyway, and reading the file would hand the switch back to whoever can break the keychain.
 */
export class HardwareSettingsStore {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly collection: RxCollection<SettingDoc> | null,
    readonly initial: HardwareSettings,
  ) {}

  static async open(
    dataDir: string,
    collection: RxCollection<SettingDoc> | null,
  ): Promise<HardwareSettingsStore> {
    if (!collection) return new HardwareSettingsStore(null, NO_HARDWARE);
    const doc = await collection.findOne(HARDWARE_KEY).exec();
    if (doc) return new HardwareSettingsStore(collection, parseOrNothing(doc.value));
    const legacy = join(dataDir, LEGACY_HARDWARE_FILE);
    const fromFile = await readLegacy(legacy);
    const store = new HardwareSettingsStore(collection, fromFile);
    // Stored before the file goes, so a crash in between keeps the choices (the file is then
    // deleted at the next start without being read, as the store already holds them).
    await store.write(fromFile);
    await rm(legacy, { force: true });
    return store;
  }

  /** Writes are serialised so two quick changes in Settings land in order. */
  write(settings: HardwareSettings): Promise<void> {
    const run = this.writing.then(async () => {
      await this.collection?.upsert({
        key: HARDWARE_KEY,
        value: JSON.stringify(HardwareSettings.parse(settings)),
        updatedAt: Date.now(),
      });
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}

function parseOrNothing(text: string): HardwareSettings {
  try {
    const parsed = HardwareSettings.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : NO_HARDWARE;
  } catch {
    return NO_HARDWARE;
  }
}

/** An unreadable old file starts from nothing chosen, kept aside for support rather than lost. */
async function readLegacy(file: string): Promise<HardwareSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return NO_HARDWARE;
    throw error;
  }
  const settings = parseOrNothing(text);
  if (settings === NO_HARDWARE) await writeAtomically(`${file}.invalid-${Date.now()}`, text);
  return settings;
}
