/**
 * Long-lived responses (watches, followed logs) that the server ends when it closes, because an
 * HTTP server waits for open responses before its close completes.
 */
export class OpenStreams {
  private readonly closers = new Set<() => void>();

  /** Registers `close` to run at server shutdown. Returns the function that unregisters it. */
  add(close: () => void): () => void {
    this.closers.add(close);
    return () => {
      this.closers.delete(close);
    };
  }

  /** Ends every registered stream. */
  closeAll(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }

  get size(): number {
    return this.closers.size;
  }
}
