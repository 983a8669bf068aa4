import { firstRow, resultRows, rows, touched, type Queryable } from './sql';

/** A stand-in for TypeORM's query(): answers with whatever shape the driver would have. */
const answering = (result: unknown): Queryable & { calls: unknown[][] } => {
  const calls: unknown[][] = [];
  return {
    calls,
    query: (sql: string, parameters?: unknown[]) => (calls.push([sql, parameters]), Promise.resolve(result)),
  };
};

describe('typed SQL helper', () => {
  it("unwraps TypeORM's [rows, affected] answer to an UPDATE/DELETE … RETURNING", () => {
    expect(resultRows([[{ id: 'a' }, { id: 'b' }], 2])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(resultRows([[], 0])).toEqual([]);
  });

  it('passes a SELECT/INSERT answer (plain rows) through, including two rows', () => {
    expect(resultRows([{ id: 'a' }, { id: 'b' }])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(resultRows([])).toEqual([]);
  });

  it('reads a non-array answer (a bare UPDATE without RETURNING) as no rows', () => {
    expect(resultRows(undefined)).toEqual([]);
  });

  it('rows/firstRow/touched run the statement with its parameters and read either shape', async () => {
    const db = answering([[{ n: 1 }], 1]);
    expect(
      await rows<{ n: number }>(db, 'UPDATE t SET x = 1 WHERE id = $1 RETURNING 1 AS n', ['id']),
    ).toEqual([{ n: 1 }]);
    expect(db.calls).toEqual([['UPDATE t SET x = 1 WHERE id = $1 RETURNING 1 AS n', ['id']]]);
    expect(await firstRow(answering([{ n: 2 }]), 'SELECT 2 AS n')).toEqual({ n: 2 });
    expect(await firstRow(answering([]), 'SELECT 1 WHERE false')).toBeNull();
    expect(await touched(answering([[], 0]), 'DELETE FROM t WHERE false RETURNING 1')).toBe(false);
    expect(await touched(answering([[{}], 1]), 'DELETE FROM t RETURNING 1')).toBe(true);
  });
});
