import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Manifest } from '../../../protocol/chunks';
import { writeAtomically } from '../files/atomic-write';

/** Material ids are UUIDs; anything else never becomes part of a path. */
const SafeId = z.uuid();

/** Where a material's encrypted copy lives: `<dataDir>/library/<id>.enc`, its manifest beside it. */
export class LibraryFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'library');
  }

  encrypted(materialId: string): string {
    return join(this.dir, `${SafeId.parse(materialId)}.enc`);
  }

  manifestFile(materialId: string): string {
    return join(this.dir, `${SafeId.parse(materialId)}.manifest.json`);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async saveManifest(materialId: string, manifest: Manifest): Promise<void> {
    await writeAtomically(this.manifestFile(materialId), JSON.stringify(manifest));
  }

  /** The stored manifest, or null when absent or unreadable (the caller downloads it again). */
  async loadManifest(materialId: string): Promise<Manifest | null> {
    const text = await readFile(this.manifestFile(materialId), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const parsed = Manifest.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async remove(materialId: string): Promise<void> {
    await rm(this.encrypted(materialId), { force: true });
    await rm(this.manifestFile(materialId), { force: true });
  }
}
