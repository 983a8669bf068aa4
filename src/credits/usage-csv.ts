import type { FastifyReply } from 'fastify';
import type { UsageStatement } from './credits.service';

/** Characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection). */
const FORMULA = /^[=+\-@\t\r]/;

/** One text cell: a formula-looking value is prefixed with `'`; quoted when it holds a comma, quote or newline. */
function cell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const KEY_COLUMN = { day: 'day', reason: 'reason', grant: 'grant_id' } as const;

/** The statement as CSV (RFC 4180, CRLF): a header row, then one row per group. */
export function usageCsv(s: UsageStatement): string {
  const grant = s.group_by === 'grant';
  const header = [KEY_COLUMN[s.group_by], ...(grant ? ['bucket'] : [])];
  header.push('count', 'credits', 'overage_credits', 'overage_amount');
  const rows = s.groups.map((g) => [
    g.key,
    ...(grant ? [g.bucket ?? ''] : []),
    g.count,
    g.credits,
    g.overage_credits,
    g.overage_amount,
  ]);
  return [header, ...rows].map((r) => r.map(cell).join(',') + '\r\n').join('');
}

/** `usage-<from>-<to>.csv`, the instants without `:` and milliseconds (safe in every file system). */
export function usageCsvFilename(s: UsageStatement): string {
  const compact = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
  return `usage-${compact(s.from)}-${compact(s.to)}.csv`;
}

/** What a usage route answers: the statement as JSON, or as a CSV attachment. */
export function usageAnswer(
  reply: FastifyReply,
  statement: UsageStatement,
  format: 'json' | 'csv',
): UsageStatement | string {
  if (format === 'json') return statement;
  void reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${usageCsvFilename(statement)}"`);
  return usageCsv(statement);
}
