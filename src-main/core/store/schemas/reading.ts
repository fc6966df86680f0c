import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { idField, timeField } from '@outpost/terminal-sdk';

/**
 * Where a student is in one material, and their bookmarks (issue #22). In the encrypted store, as
 * every other reading fact: a position or a bookmark label can say what a student reads.
 * `position`/`at` are the viewer's own locations (a PDF page number, an EPUB CFI), opaque here.
 */
export interface ReadingDoc {
  /** The material's id: one document per material. */
  id: string;
  position: string | null;
  bookmarks: { at: string; label: string; createdAt: number }[];
  updatedAt: number;
}

export const READING_LOCATION_MAX = 512;
export const READING_LABEL_MAX = 200;
export const READING_BOOKMARKS_MAX = 500;

export const readingSchema: RxJsonSchema<ReadingDoc> = {
  title: 'reading',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    position: { type: ['string', 'null'], maxLength: READING_LOCATION_MAX },
    bookmarks: {
      type: 'array',
      maxItems: READING_BOOKMARKS_MAX,
      items: {
        type: 'object',
        properties: {
          at: { type: 'string', maxLength: READING_LOCATION_MAX },
          label: { type: 'string', maxLength: READING_LABEL_MAX },
          createdAt: timeField,
        },
        required: ['at', 'label', 'createdAt'],
        additionalProperties: false,
      },
    },
    updatedAt: timeField,
  },
  required: ['id', 'position', 'bookmarks', 'updatedAt'],
  additionalProperties: false,
};

export const readingMigrations: MigrationStrategies = {};
