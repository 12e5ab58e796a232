import type pg from 'pg';

/**
 * `COPY (…) TO STDOUT` run on a pg client, which has no COPY support of its own: a Submittable (the
 * interface pg-cursor and pg-copy-streams use) that hands the server's bytes to `onData`, one
 * CopyData message per row. While `onData` returns false the socket is paused until `resume()`, so a
 * slow disk holds the server back instead of filling memory. `done` resolves to the rows sent.
 */
export class CopyOut implements pg.Submittable {
  readonly done: Promise<number>;
  private connection: pg.Connection | null = null;
  private rows = 0;
  /** rows received so far, also when the COPY failed */
  get rowsCopied(): number {
    return this.rows;
  }
  private settle!: { resolve: (rows: number) => void; reject: (err: unknown) => void };

  private readonly text: string;
  private readonly onData: (chunk: Buffer, rows: number) => boolean;

  constructor(text: string, onData: (chunk: Buffer, rows: number) => boolean) {
    this.text = text;
    this.onData = onData;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  submit(connection: pg.Connection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  resume(): void {
    this.connection?.stream.resume();
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (!this.onData(msg.chunk, ++this.rows)) this.connection?.stream.pause();
  }

  handleReadyForQuery(): void {
    this.settle.resolve(this.rows);
  }

  handleError(err: unknown): void {
    this.connection?.stream.resume();
    this.settle.reject(err);
  }

  handleCopyInResponse(connection: pg.Connection & { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('an import only reads');
  }

  // Messages a COPY TO does not send.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}
