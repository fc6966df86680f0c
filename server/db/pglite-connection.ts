import { Duplex } from 'node:stream';
import { isAnsweredAt, type PGliteSession } from './pglite-session';

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const TERMINATE = 'X'.charCodeAt(0);
/** AuthenticationOk, then ReadyForQuery (idle): the whole startup of an in-process connection. */
const STARTUP_REPLY = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]);

/**
 * One `pg` connection to the embedded database, in process: pg's `stream` option gets this in
 * place of a TCP socket, so nothing listens anywhere and no other process can reach the database.
 * It speaks just enough of the server side of the wire protocol (startup, no SSL, no password:
 * there is no one else to authenticate) and hands every batch of messages up to a Sync, Query or
 * Flush to the shared session whole, so pg's own parsing, types and pooling are unchanged.
 */
export class PGliteConnection extends Duplex {
  #input: Buffer = Buffer.alloc(0);
  #batch: Buffer[] = [];
  #started = false;
  /** Exchanges run one after another, in the order pg sent them. */
  #chain: Promise<void> = Promise.resolve();

  constructor(private readonly session: PGliteSession) {
    super();
  }

  // The parts of net.Socket that pg's Connection calls.
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {
    // Answers are pushed as the session returns them.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk]);
    try {
      this.#takeMessages();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.session.stopWaiting(this);
    void this.#chain
      .then(() => this.session.leave(this))
      .then(
        () => done(err),
        (leaveErr: unknown) => done(err ?? (leaveErr as Error)),
      );
  }

  #takeMessages(): void {
    while (!this.#started) {
      if (this.#input.length < 8 || this.#input.length < this.#input.readInt32BE(0)) return;
      const length = this.#input.readInt32BE(0);
      const code = this.#input.readInt32BE(4);
      this.#input = this.#input.subarray(length);
      if (code === SSL_REQUEST) {
        this.push(Buffer.from('N'));
      } else if (code === PROTOCOL_3) {
        this.#started = true;
        this.push(STARTUP_REPLY);
      } else {
        throw new Error(`unsupported startup request ${code}`);
      }
    }
    while (this.#input.length >= 5) {
      const end = 1 + this.#input.readInt32BE(1);
      if (this.#input.length < end) return;
      const type = this.#input[0]!;
      const message = this.#input.subarray(0, end);
      this.#input = this.#input.subarray(end);
      if (type === TERMINATE) {
        this.#batch = [];
        this.#then(() => this.push(null));
        return;
      }
      this.#batch.push(message);
      if (isAnsweredAt(type)) {
        const messages = Buffer.concat(this.#batch);
        this.#batch = [];
        this.#then(async () => {
          const answer = await this.session.exchange(this, messages);
          // A copy: the answer may be a view of memory the next exchange reuses.
          if (!this.destroyed) this.push(Buffer.from(answer));
        });
      }
    }
  }

  #then(step: () => unknown): void {
    this.#chain = this.#chain
      .then(async () => {
        await step();
      })
      .catch((err: unknown) => {
        this.destroy(err as Error);
      });
  }
}
