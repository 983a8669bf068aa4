import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage statements (`GET /credits/usage`) sum a user's ledger rows over a time range, and the admin ledger filters
 * by `since`/`until`: both read a user's rows by `created_at`. The only per-user index was (user_id, id DESC),
 * which made every range a scan of the user's whole history; this one makes it an index range.
 */
export class LedgerUsageIndex1764401350000 implements MigrationInterface {
  name = 'LedgerUsageIndex1764401350000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_credit_ledger_user_created ON credit_ledger (user_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_credit_ledger_user_created`);
  }
}
