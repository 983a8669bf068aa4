import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The meter report outbox becomes a leased job queue (common/db/leased-jobs): a report being sent to Stripe is
 * `sending` under a claim token until `locked_until`, so several replicas never send the same report at once and
 * a crashed sender's report is taken again once its lease expires (Stripe deduplicates by identifier).
 */
export class CreditMeterReportLease1764401500000 implements MigrationInterface {
  name = 'CreditMeterReportLease1764401500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE credit_meter_reports
        ADD COLUMN claim_token uuid,
        ADD COLUMN locked_until timestamptz,
        DROP CONSTRAINT credit_meter_reports_status_check,
        ADD CONSTRAINT credit_meter_reports_status_check CHECK (status IN ('pending','sending','sent','dead'))`);
    await q.query(`CREATE INDEX idx_credit_meter_reports_leased ON credit_meter_reports (locked_until)
      WHERE status = 'sending'`);
    await q.query(
      `CREATE INDEX idx_credit_meter_reports_dead ON credit_meter_reports (id) WHERE status = 'dead'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_credit_meter_reports_dead`);
    await q.query(`DROP INDEX idx_credit_meter_reports_leased`);
    // A report caught mid-send goes back to waiting (it is sent again; Stripe deduplicates by identifier).
    await q.query(`UPDATE credit_meter_reports SET status = 'pending' WHERE status = 'sending'`);
    await q.query(`
      ALTER TABLE credit_meter_reports
        DROP CONSTRAINT credit_meter_reports_status_check,
        ADD CONSTRAINT credit_meter_reports_status_check CHECK (status IN ('pending','sent','dead')),
        DROP COLUMN locked_until,
        DROP COLUMN claim_token`);
  }
}
