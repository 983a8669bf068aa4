import { MigrationInterface, QueryRunner } from 'typeorm';

/** A plan's overage (its metered price, meter event name, cap and per-credit prices), read back from Stripe. */
export class PlanOverage1764401450000 implements MigrationInterface {
  name = 'PlanOverage1764401450000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plans ADD COLUMN overage jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plans DROP COLUMN overage`);
  }
}
