import type { RxCollection } from 'rxdb';
import type { ReadingState } from '../../../protocol/api/library';
import type { ReadingDoc } from '../store/schemas/reading';

const EMPTY: ReadingState = { position: null, bookmarks: [] };

/**
 * Positions and bookmarks per material (#22), in the `reading` collection of the encrypted store:
 * never localStorage or a plain file, where they would tell anyone with the disk what a student reads.
 */
export class ReadingStore {
  constructor(private readonly collection: RxCollection<ReadingDoc>) {}

  async get(materialId: string): Promise<ReadingState> {
    const doc = await this.collection.findOne(materialId).exec();
    if (!doc) return EMPTY;
    return {
      position: doc.position,
      bookmarks: doc.bookmarks.map((b) => ({
        at: b.at,
        label: b.label,
        createdAt: new Date(b.createdAt).toISOString(),
      })),
    };
  }

  async save(materialId: string, state: ReadingState): Promise<ReadingState> {
    await this.collection.incrementalUpsert({
      id: materialId,
      position: state.position,
      bookmarks: state.bookmarks.map((b) => ({
        at: b.at,
        label: b.label,
        createdAt: Date.parse(b.createdAt),
      })),
      updatedAt: Date.now(),
    });
    return this.get(materialId);
  }

  /** A returned or revoked item leaves nothing of its reading behind. */
  async forget(materialId: string): Promise<void> {
    await this.collection.findOne(materialId).remove();
  }
}
