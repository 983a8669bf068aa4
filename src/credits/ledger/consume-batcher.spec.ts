import { ConsumeBatcher, type ConsumeRequest } from './consume-batcher';

/** A statement runner the test finishes by hand: each call is recorded with its requests. */
function controlledRunner() {
  const calls: Array<{
    requests: ConsumeRequest[];
    finish: (rows: Array<string | undefined>) => void;
    fail: (e: Error) => void;
  }> = [];
  const run = (requests: ConsumeRequest[]) =>
    new Promise<Array<string | undefined>>((finish, fail) => calls.push({ requests, finish, fail }));
  return { calls, run };
}

const req = (userId: string, amount = 1): ConsumeRequest => ({
  userId,
  amount,
  operation: `consume:${userId}:${amount}`,
  reason: 'test',
});

const users = (c: { requests: ConsumeRequest[] }) => c.requests.map((r) => `${r.userId}:${r.amount}`);

describe('ConsumeBatcher', () => {
  it('runs a request at once, alone, when no statement is in flight', async () => {
    const { calls, run } = controlledRunner();
    const batcher = new ConsumeBatcher(run, 2, 256);
    const answer = batcher.submit(req('a'));
    expect(calls.map(users)).toEqual([['a:1']]);
    calls[0].finish(['row-a']);
    await expect(answer).resolves.toBe('row-a');
  });

  it('sends what arrived while the statements were busy as one statement, one request per user, in arrival order', async () => {
    const { calls, run } = controlledRunner();
    const batcher = new ConsumeBatcher(run, 1, 256);
    const first = batcher.submit(req('a'));
    const waiting = [req('b'), req('a', 2), req('c'), req('b', 3), req('d')].map((r) => batcher.submit(r));
    expect(calls).toHaveLength(1); // the one slot is busy: everything else waits

    calls[0].finish(['a1']);
    await expect(first).resolves.toBe('a1');
    // a's second request rides along now that a's first is done; b's second waits for b's first.
    expect(users(calls[1])).toEqual(['b:1', 'a:2', 'c:1', 'd:1']);
    calls[1].finish(['b1', undefined, 'c1', 'd1']);
    await expect(Promise.all([waiting[0], waiting[1], waiting[2], waiting[4]])).resolves.toEqual([
      'b1',
      undefined, // refused: no row for it
      'c1',
      'd1',
    ]);
    expect(users(calls[2])).toEqual(['b:3']);
    calls[2].finish(['b3']);
    await expect(waiting[3]).resolves.toBe('b3');
  });

  it('caps a statement at maxBatch requests and never has one user in two statements at once', async () => {
    const { calls, run } = controlledRunner();
    const batcher = new ConsumeBatcher(run, 2, 2);
    void batcher.submit(req('a'));
    void batcher.submit(req('a', 2)); // a is in flight: waits although a slot is free
    expect(calls.map(users)).toEqual([['a:1']]);
    void batcher.submit(req('b'));
    expect(calls.map(users)).toEqual([['a:1'], ['b:1']]);
    for (const u of ['c', 'd', 'e']) void batcher.submit(req(u));
    calls[1].finish(['b1']);
    await Promise.resolve();
    await Promise.resolve();
    expect(users(calls[2])).toEqual(['c:1', 'd:1']); // a:2 still waits for a:1; at most 2 per statement
    calls[0].finish(['a1']);
    await Promise.resolve();
    await Promise.resolve();
    expect(users(calls[3])).toEqual(['a:2', 'e:1']);
  });

  it('fails every request of a failed statement, and the next requests still run', async () => {
    const { calls, run } = controlledRunner();
    const batcher = new ConsumeBatcher(run, 1, 256);
    const first = batcher.submit(req('a'));
    const second = batcher.submit(req('b'));
    const third = batcher.submit(req('c'));
    calls[0].fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    expect(users(calls[1])).toEqual(['b:1', 'c:1']);
    calls[1].fail(new Error('statement timeout'));
    await expect(second).rejects.toThrow('statement timeout');
    await expect(third).rejects.toThrow('statement timeout');
    const fourth = batcher.submit(req('b'));
    expect(users(calls[2])).toEqual(['b:1']);
    calls[2].finish(['b1']);
    await expect(fourth).resolves.toBe('b1');
  });

  it('refuses every waiting request when no statement finishes for maxWaitMs; a moving queue keeps waiting', async () => {
    jest.useFakeTimers();
    try {
      const { calls, run } = controlledRunner();
      const batcher = new ConsumeBatcher(run, 1, 256, 5000, () => new Error('database busy'));
      // A queue that moves: a's requests run one after the other, each 3 s, 9 s in all.
      const hot = [batcher.submit(req('a', 1)), batcher.submit(req('a', 2)), batcher.submit(req('a', 3))];
      for (let n = 0; n < 3; n++) {
        jest.advanceTimersByTime(3000);
        calls[n].finish([`a${n + 1}`]);
        await Promise.resolve();
        await Promise.resolve();
      }
      await expect(Promise.all(hot)).resolves.toEqual(['a1', 'a2', 'a3']);

      // A stuck statement: what waits behind it is refused after 5 s of no progress, and never runs.
      const stuck = batcher.submit(req('b'));
      const behind = [batcher.submit(req('c')), batcher.submit(req('d'))];
      jest.advanceTimersByTime(4999);
      expect(calls).toHaveLength(4);
      jest.advanceTimersByTime(1);
      for (const p of behind) await expect(p).rejects.toThrow('database busy');
      calls[3].finish(['b1']); // the statement in flight still answers its own request
      await expect(stuck).resolves.toBe('b1');
      expect(calls).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
