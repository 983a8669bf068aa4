import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The credit ledger is append-only in the database, not only by convention: UPDATE, DELETE and TRUNCATE on
 * credit_ledger are refused by triggers, whoever connects. Nothing in the code updates or deletes ledger rows
 * (corrections are new rows: refunds, clawbacks, admin adjustments). The one path this closes is deleting a
 * user whose ledger has rows (ON DELETE CASCADE): the history outlives the account; anonymise, do not delete.
 * An operator who truly must rewrite history drops the trigger in a reviewed migration of their own.
 */
export class AppendOnlyLedger1764400500000 implements MigrationInterface {
  name = 'AppendOnlyLedger1764400500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION credit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'credit_ledger is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Correct the ledger with a new entry (an adjustment), never by changing an old one.';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER credit_ledger_no_update_delete BEFORE UPDATE OR DELETE ON credit_ledger
      FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only()`);
    await q.query(`
      CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON credit_ledger
      FOR EACH STATEMENT EXECUTE FUNCTION credit_ledger_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER credit_ledger_no_truncate ON credit_ledger`);
    await q.query(`DROP TRIGGER credit_ledger_no_update_delete ON credit_ledger`);
    await q.query(`DROP FUNCTION credit_ledger_append_only()`);
  }
}
