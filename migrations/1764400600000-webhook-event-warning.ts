import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook_events.warning: why an operator should look at a stored event even if it processed (today: its
 * api_version differs from the one the Stripe SDK is pinned to, so its object may not have the shape the
 * handlers read). Listed in /admin/webhook-events; NULL for an unremarkable event.
 */
export class WebhookEventWarning1764400600000 implements MigrationInterface {
  name = 'WebhookEventWarning1764400600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_events ADD COLUMN warning text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_events DROP COLUMN warning`);
  }
}
