import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_STATE_OF_SALE,
  OUTBOX_STATE_OF_SALE,
  SALE_SYNC_STATE,
  STATE_RANK,
  STORED_SALE_STATES,
} from '../protocol/states';

/** The rows of docs/sync.md "Sale states", cells without backticks and the `(version 0 only)` note. */
function documentedRows(): string[][] {
  const doc = readFileSync(new URL('../docs/sync.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Sale states'), doc.indexOf('### Pull'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) =>
          cell
            .replace(/\(.*\)/, '')
            .replace(/`/g, '')
            .trim(),
        ),
    );
}

describe('sale states (#17)', () => {
  it('docs/sync.md shows exactly the table of protocol/states.ts', () => {
    const fromCode = STORED_SALE_STATES.map((stored) => [
      stored,
      SALE_SYNC_STATE[stored],
      OUTBOX_STATE_OF_SALE[stored] ?? '—',
      BUNDLE_STATE_OF_SALE[stored] ?? '—',
      String(STATE_RANK[stored]),
    ]);
    expect(documentedRows().sort()).toEqual(fromCode.sort());
  });

  it('an outbox record ranks with the sales it carries', () => {
    for (const stored of STORED_SALE_STATES) {
      const outbox = OUTBOX_STATE_OF_SALE[stored];
      if (outbox) expect(STATE_RANK[outbox], stored).toBe(STATE_RANK[stored]);
    }
  });
});
