import type { PGlite } from '@electric-sql/pglite';

/** Frontend messages that make the backend answer: Sync, simple Query, Flush. */
const ANSWERED_AT = new Set(['S', 'Q', 'H'].map((c) => c.charCodeAt(0)));
const READY_FOR_QUERY = 'Z'.charCodeAt(0);
const IDLE = 'I'.charCodeAt(0);

/** The status byte of the last ReadyForQuery in a backend response, if it holds one. */
export function lastReadyStatus(response: Uint8Array): number | undefined {
  const view = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  let status: number | undefined;
  for (let at = 0; at + 5 <= view.length; at += 1 + view.readInt32BE(at + 1)) {
    if (view[at] === READY_FOR_QUERY && at + 5 < view.length) status = view[at + 5];
  }
  return status;
}

/** Whether a frontend message (by its type byte) closes a batch that the backend answers. */
export function isAnsweredAt(type: number): boolean {
  return ANSWERED_AT.has(type);
}

/** Sync, then ROLLBACK: ends whatever an abandoned connection left open on the session. */
function resetMessages(): Uint8Array {
  const text = Buffer.from('ROLLBACK\0');
  const query = Buffer.alloc(5 + text.length);
  query.write('Q', 0);
  query.writeInt32BE(4 + text.length, 1);
  text.copy(query, 5);
  return Buffer.concat([Buffer.from([0x53, 0, 0, 0, 4]), query]);
}

interface Waiter {
  owner: object;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * PGlite is one PostgreSQL backend: one session, one unnamed statement, one transaction. Many
 * logical connections share it safely only if no two of them ever interleave. A connection takes
 * the session for a batch of its messages and keeps it while the backend reports anything but
 * idle (inside a transaction, a failed transaction, or an extended query not yet synced), so a
 * transaction has the session to itself until it ends and nothing else runs inside it. Others
 * wait their turn in arrival order.
 *
 * The cost: code that holds a transaction and awaits a query on another connection waits forever
 * (as it would for a row lock on a real server). tx.ts says so where transactions are made.
 */
export class PGliteSession {
  #owner: object | undefined;
  readonly #waiting: Waiter[] = [];

  constructor(private readonly db: PGlite) {}

  /** Sends `messages` for `owner` once the session is its own; returns the backend's answer. */
  async exchange(owner: object, messages: Uint8Array): Promise<Uint8Array> {
    await this.#take(owner);
    let response: Uint8Array;
    try {
      response = await this.db.runExclusive(() => this.db.execProtocolRaw(messages));
    } catch (err) {
      this.#give(owner);
      throw err;
    }
    if (lastReadyStatus(response) === IDLE) this.#give(owner);
    return response;
  }

  /** A connection is closing: its exchange still waiting for a turn fails instead of running. */
  stopWaiting(owner: object): void {
    const i = this.#waiting.findIndex((w) => w.owner === owner);
    if (i >= 0) this.#waiting.splice(i, 1)[0]!.reject(new Error('connection closed while waiting'));
  }

  /**
   * A connection is gone and its last exchange has settled: if it still holds the session (a
   * transaction left open), that transaction is rolled back before anyone else runs.
   */
  async leave(owner: object): Promise<void> {
    this.stopWaiting(owner);
    if (this.#owner !== owner) return;
    try {
      await this.db.runExclusive(() => this.db.execProtocolRaw(resetMessages()));
    } finally {
      this.#give(owner);
    }
  }

  #take(owner: object): Promise<void> {
    if (this.#owner === undefined || this.#owner === owner) {
      this.#owner = owner;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiting.push({ owner, resolve, reject }));
  }

  #give(owner: object): void {
    if (this.#owner !== owner) return;
    const next = this.#waiting.shift();
    this.#owner = next?.owner;
    next?.resolve();
  }
}
