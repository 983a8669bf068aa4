import type { UsageStatement } from './credits.service';
import { usageCsv, usageCsvFilename } from './usage-csv';

const statement = (keys: string[], groupBy: UsageStatement['group_by'] = 'reason'): UsageStatement => ({
  from: '2026-12-01T00:00:00.000Z',
  to: '2026-12-31T12:30:00.000Z',
  group_by: groupBy,
  currency: null,
  totals: { consumed: 0, count: 0, granted: 0 },
  groups: keys.map((key, i) => ({
    key,
    ...(groupBy === 'grant' ? { bucket: 'purchased' } : {}),
    count: i + 1,
    credits: -i,
    overage_credits: 0,
    overage_amount: 0,
  })),
  overage: { credits: 0, amount_due: 0, currency: null, by_currency: [] },
});

describe('usage CSV', () => {
  it('prefixes text that a spreadsheet would run as a formula, and quotes what needs quoting', () => {
    const csv = usageCsv(
      statement(['=1+1', '+SUM(A1)', '-2', '@cmd', '\tx', 'a,b', 'say "hi"', 'two\nlines']),
    );
    expect(csv.split('\r\n')).toEqual([
      'reason,count,credits,overage_credits,overage_amount',
      "'=1+1,1,0,0,0",
      "'+SUM(A1),2,-1,0,0",
      "'-2,3,-2,0,0",
      "'@cmd,4,-3,0,0",
      "'\tx,5,-4,0,0",
      '"a,b",6,-5,0,0',
      '"say ""hi""",7,-6,0,0',
      '"two\nlines",8,-7,0,0',
      '',
    ]);
  });

  it('by grant adds the bucket column; the file name carries the range without colons', () => {
    const s = statement(['6f1c0c9e-2f41-4d7b-9a53-0c1f7f4f1d2a'], 'grant');
    expect(usageCsv(s)).toBe(
      'grant_id,bucket,count,credits,overage_credits,overage_amount\r\n' +
        '6f1c0c9e-2f41-4d7b-9a53-0c1f7f4f1d2a,purchased,1,0,0,0\r\n',
    );
    expect(usageCsvFilename(s)).toBe('usage-2026-12-01T000000Z-2026-12-31T123000Z.csv');
  });
});
