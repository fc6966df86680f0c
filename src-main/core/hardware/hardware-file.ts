import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { HardwareChoice } from '../../../protocol/api';
import { writeAtomically } from '../files/atomic-write';

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

/**
 * `hardware.json` in the data directory, written atomically. Choices name devices by vendor,
 * product and serial, so they hold across re-plugging; an unreadable file starts from nothing
 * chosen (and is kept aside) rather than stopping the app.
 */
export class HardwareFile {
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  static in(dataDir: string): HardwareFile {
    return new HardwareFile(join(dataDir, 'hardware.json'));
  }

  async read(): Promise<HardwareSettings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return NO_HARDWARE;
      throw error;
    }
    let parsed: ReturnType<typeof HardwareSettings.safeParse>;
    try {
      parsed = HardwareSettings.safeParse(JSON.parse(text));
    } catch {
      parsed = HardwareSettings.safeParse(undefined);
    }
    if (parsed.success) return parsed.data;
    await writeAtomically(`${this.file}.invalid-${Date.now()}`, text);
    return NO_HARDWARE;
  }

  /** Writes are serialised so two quick changes in Settings land in order. */
  write(settings: HardwareSettings): Promise<void> {
    const run = this.writing.then(() => writeAtomically(this.file, JSON.stringify(settings, null, 2)));
    this.writing = run.catch(() => undefined);
    return run;
  }
}
