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
 * running waits; when one finishes, everything waiting (up to `maxBatch`; one request per user, or with
 * `severalPerUser` all of a user's in arrival order) goes as ONE statement — one round trip, one commit — and each request gets its own row back (or none: refused). Under
 * light load nothing waits: each request runs at once, alone. A user's later requests wait for the next
 * statement (never two of one user in flight), so each sees the one before, in arrival order. A statement
 * that fails fails every request in it, and none of them changed anything (one statement is atomic). When no
 * statement has finished for `maxWaitMs` while requests wait (the database is stuck or gone), every waiting
 * request is refused with `timeoutError()` and never runs — as requests waiting too long for a pooled
 * connection would be; a long queue that moves (one hot user's many requests) keeps waiting.
 */
export class ConsumeBatcher<Q extends { userId: string }, R> {
  private queue: Array<Waiting<Q, R>> = [];
  private inFlight = 0;
  private readonly busyUsers = new Set<string>();
  private watchdog?: NodeJS.Timeout;

  constructor(
    /** Runs the requests as one statement; answers the row of each request taken, by index (absent: refused). */
    private readonly run: (requests: Q[]) => Promise<Array<R | undefined>>,
    private readonly maxInFlight: number,
    private readonly maxBatch: number,
    private readonly maxWaitMs = 5000,
    private readonly timeoutError: () => unknown = () => new Error('timed out waiting for a take statement'),
    /** Whether one statement may carry several requests of one user (it decides them in arrival order). */
    private readonly severalPerUser = false,
  ) {}

  submit(request: Q): Promise<R | undefined> {
    return new Promise<R | undefined>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
      if (!this.watchdog) this.arm();
    });
  }

  /** (Re)starts the stall timer while requests wait; stops it when none do. */
  private arm(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (this.queue.length === 0) return;
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      const stuck = this.queue;
      this.queue = [];
      for (const w of stuck) w.reject(this.timeoutError());
    }, this.maxWaitMs);
    this.watchdog.unref();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: Array<Waiting<Q, R>> = [];
      const rest: Array<Waiting<Q, R>> = [];
      const joined = new Set<string>();
      for (const w of this.queue) {
        const user = w.request.userId;
        const free = !this.busyUsers.has(user) || (this.severalPerUser && joined.has(user));
        // A user's requests keep their order: once one waits (the batch is full, or one per user), so do the rest.
        if (batch.length < this.maxBatch && free) {
          this.busyUsers.add(user);
          joined.add(user);
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
      this.arm(); // progress: whoever still waits gets a fresh maxWaitMs
    }
  }
}
