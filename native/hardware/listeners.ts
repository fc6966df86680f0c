/** A minimal typed listener list: drivers hand results to the core without Node's untyped emitter. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch {
        // A failing listener must not stop the others nor the driver that called it.
      }
    }
  }
}
