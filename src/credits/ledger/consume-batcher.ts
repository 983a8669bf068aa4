/** One consume waiting for its statement: CONSUME_SQL's four parameters. */
export interface ConsumeRequest {
  userId: string;
  amount: number;
  operation: string;
  reason: string;
}

interface Waiting<Q, R> {
  request: Q;
  resolve: (row: R | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the take statements (consumes, holds). A consume that arrives while `maxInFlight` statements are already
 * running waits; when one finishes, everything waiting (up to `maxBatch`, one request per user) goes as ONE
 * statement — one round trip, one commit — and each request gets its own row back (or none: refused). Under
 * light load nothing waits: each request runs at once, alone. A user's later requests wait for the next
 * statement (never two of one user in flight), so each sees the one before, in arrival order. A statement
 * that fails fails every request in it, and none of them changed anything (one statement is atomic).
 */
export class ConsumeBatcher<Q extends { userId: string }, R> {
  private queue: Array<Waiting<Q, R>> = [];
  private inFlight = 0;
  private readonly busyUsers = new Set<string>();

  constructor(
    /** Runs the requests as one statement; answers the row of each request taken, by index (absent: refused). */
    private readonly run: (requests: Q[]) => Promise<Array<R | undefined>>,
    private readonly maxInFlight: number,
    private readonly maxBatch: number,
  ) {}

  submit(request: Q): Promise<R | undefined> {
    return new Promise<R | undefined>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: Array<Waiting<Q, R>> = [];
      const rest: Array<Waiting<Q, R>> = [];
      for (const w of this.queue) {
        if (batch.length < this.maxBatch && !this.busyUsers.has(w.request.userId)) {
          this.busyUsers.add(w.request.userId);
          batch.push(w);
        } else rest.push(w);
      }
      this.queue = rest;
      if (batch.length === 0) return; // only users already in flight are waiting: their statement's end pumps
      this.inFlight++;
      void this.execute(batch);
    }
  }

  private async execute(batch: Array<Waiting<Q, R>>): Promise<void> {
    try {
      const rows = await this.run(batch.map((w) => w.request));
      batch.forEach((w, i) => w.resolve(rows[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      for (const w of batch) this.busyUsers.delete(w.request.userId);
      this.inFlight--;
      this.pump();
    }
  }
}
