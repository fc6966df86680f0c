import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The write in flight per file: writes to one file land one after another, in call order. */
const queues = new Map<string, Promise<void>>();

/**
 * Temp file, fsync, rename: a crash mid-write leaves the old file or the new one, never a torn one.
 * Two saves of one file at once (a check-in racing a user's action) are queued, so the later call
 * is the one left on disk and neither trips over the other's temp file.
 */
export function writeAtomically(file: string, contents: string): Promise<void> {
  const previous = queues.get(file) ?? Promise.resolve();
  const write = previous.catch(() => undefined).then(() => writeNow(file, contents));
  queues.set(file, write);
  const forget = () => {
    if (queues.get(file) === write) queues.delete(file);
  };
  write.then(forget, forget);
  return write;
}

async function writeNow(file: string, contents: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, contents, { mode: 0o600 });
    const handle = await open(temp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
