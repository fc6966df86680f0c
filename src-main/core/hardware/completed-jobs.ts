import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CompletedJobs } from '../../../native/hardware';
import { writeAtomically } from '../files/atomic-write';

const JobsFile = z.object({ ids: z.array(z.string().max(200)).max(10_000) });

/**
 * Print jobs that completed, kept in `print-jobs.json` so a job retried after a restart (the app
 * closed before it learned the outcome) answers `already-printed` instead of printing a second
 * receipt. The driver marks a job completed only once the printer reported it printed; the file is
 * written right after, so only a crash in that instant can forget a job.
 */
export class PersistentCompletedJobs implements CompletedJobs {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly ids: Set<string>,
    private readonly limit: number,
  ) {}

  static async open(dataDir: string, limit = 2000): Promise<PersistentCompletedJobs> {
    const file = join(dataDir, 'print-jobs.json');
    let ids: string[] = [];
    try {
      const parsed = JobsFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success) ids = parsed.data.ids;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    return new PersistentCompletedJobs(file, new Set(ids.slice(-limit)), limit);
  }

  has(jobId: string): boolean {
    return this.ids.has(jobId);
  }

  add(jobId: string): void {
    this.ids.add(jobId);
    while (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value ?? jobId);
    const snapshot = JSON.stringify({ ids: [...this.ids] });
    this.writing = this.writing
      .then(() => writeAtomically(this.file, snapshot))
      .catch((error: unknown) => console.error('[hardware] could not save completed print jobs', error));
  }

  /** Resolves once every completed job is on disk. */
  flush(): Promise<unknown> {
    return this.writing;
  }
}
