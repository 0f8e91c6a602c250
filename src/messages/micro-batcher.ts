/**
 * Gathers single calls made at about the same time into one batch call: the worker runs many
 * `messages.send` jobs at once, and each would otherwise claim and record its message in a
 * statement and a commit of its own. A batch leaves when it holds `maxSize` items, or on the next
 * turn of the event loop after its first item (no timer: a lone call waits for nothing). Pure; no
 * Nest.
 */
export class MicroBatcher<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  /** `run` answers one output per input, in order; when it throws, every call of the batch rejects. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxSize: number,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxSize) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxSize);
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;
    this.run(batch.map((b) => b.item)).then(
      (out) => batch.forEach((b, i) => b.resolve(out[i])),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  }
}
