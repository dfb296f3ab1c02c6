import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from './types.js';

export type OutputSink = (container: string, stream: OutputStream, chunk: string) => void;

/**
 * Output of one attempt, limited to `capBytes` bytes across all its containers and streams.
 * Chunks pass straight to the sink, so memory use does not grow with the output. Past the
 * cap, output is dropped and one notice line goes to the stream that crossed the cap.
 */
export class AttemptLog {
  private writtenBytes = 0;
  private truncated = false;

  constructor(
    private readonly capBytes: number,
    private readonly sink: OutputSink,
  ) {}

  /** Creates the writer for one stream of one container process. */
  openStream(container: string, stream: OutputStream): StreamWriter {
    return new StreamWriter(this, container, stream);
  }

  /** Counts `data` against the cap. Returns the part that fits and whether `data` crossed the cap. */
  admit(data: Buffer): { accepted: Buffer; crossedCap: boolean } {
    if (this.truncated) return { accepted: data.subarray(0, 0), crossedCap: false };

    const remaining = this.capBytes - this.writtenBytes;
    if (data.length <= remaining) {
      this.writtenBytes += data.length;
      return { accepted: data, crossedCap: false };
    }
    this.writtenBytes = this.capBytes;
    this.truncated = true;
    return { accepted: data.subarray(0, remaining), crossedCap: true };
  }

  get isTruncated(): boolean {
    return this.truncated;
  }

  emit(container: string, stream: OutputStream, chunk: string): void {
    this.sink(container, stream, chunk);
  }

  truncationNotice(): string {
    return `[cronmesh] log truncated after ${this.capBytes} bytes\n`;
  }
}

/** Decodes one stream of one container process as UTF-8 and writes it to the AttemptLog. */
export class StreamWriter {
  private readonly decoder = new StringDecoder('utf8');
  private atLineStart = true;

  constructor(
    private readonly log: AttemptLog,
    private readonly container: string,
    private readonly stream: OutputStream,
  ) {}

  write(data: Buffer): void {
    const { accepted, crossedCap } = this.log.admit(data);
    if (accepted.length > 0) this.emitText(this.decoder.write(accepted));
    if (!crossedCap) return;

    // The notice starts on its own line even when the cap cut a line in two.
    const notice = this.log.truncationNotice();
    this.emitText(this.atLineStart ? notice : `\n${notice}`);
  }

  /** Flushes a trailing incomplete UTF-8 sequence as U+FFFD, unless the log is truncated. */
  end(): void {
    if (this.log.isTruncated) return;
    const rest = this.decoder.end();
    if (rest !== '') this.emitText(rest);
  }

  private emitText(text: string): void {
    if (text === '') return;
    this.atLineStart = text.endsWith('\n');
    this.log.emit(this.container, this.stream, text);
  }
}
