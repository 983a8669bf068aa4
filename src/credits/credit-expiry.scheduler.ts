import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../common/events/domain-events';
import { CreditsExpiringSoon, type CreditBucket } from '../common/facts/credit.facts';
import { creditsConfig, CreditsConfig } from '../config/credits.config';
import { HoldsService } from './holds.service';
import { LedgerService } from './ledger/ledger.service';

const JOB = 'credit-expiry';

export interface ExpiryReport {
  grantsExpired: number;
  holdsExpired: number;
  expiringSoon: number;
}

/**
 * The expiry job, on every replica (each step is safe to run twice at once): grants past `expires_at` get
 * their expiry row (one posting per user; a grant ended meanwhile is skipped under the balance lock), open
 * holds past their TTL are released as expired, and each grant about to expire is announced once
 * (`credits.expiring_soon`, claimed by an UPDATE so two replicas never announce it twice). Reads and consumes
 * never wait for it: a grant past its expiry is empty to them already.
 */
@Injectable()
export class CreditExpiryScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CreditExpiry');
  private current?: Promise<ExpiryReport>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(creditsConfig.KEY) private readonly config: CreditsConfig,
    private readonly ledger: LedgerService,
    private readonly holds: HoldsService,
    private readonly events: DomainEvents,
    private readonly registry: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.expiryEnabled) return;
    const timer = setInterval(
      () => void this.run().catch(() => undefined),
      this.config.expiryIntervalSeconds * 1000,
    );
    timer.unref();
    this.registry.addInterval(JOB, timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', JOB)) this.registry.deleteInterval(JOB);
    await this.current?.catch(() => undefined);
  }

  /** One run now; while one is in progress on this instance, that one. */
  run(): Promise<ExpiryReport> {
    this.current ??= this.execute()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'credit expiry run failed; the next interval tries again');
        throw err;
      })
      .finally(() => {
        this.current = undefined;
      });
    return this.current;
  }

  private async execute(): Promise<ExpiryReport> {
    const report = { grantsExpired: await this.expireGrants(), holdsExpired: 0, expiringSoon: 0 };
    for (const h of await this.holds.due(this.config.expiryBatchSize))
      if (await this.holds.expire(h.user_id, h.id)) report.holdsExpired += 1;
    report.expiringSoon = await this.announceExpiring();
    if (report.grantsExpired + report.holdsExpired + report.expiringSoon > 0)
      this.logger.log(report, 'credit expiry run');
    return report;
  }

  private async expireGrants(): Promise<number> {
    const due: Array<{ id: string; user_id: string }> = await this.db.query(
      `SELECT id, user_id FROM credit_grants
        WHERE expires_at <= now() AND expired_at IS NULL AND voided_at IS NULL
        ORDER BY expires_at LIMIT $1`,
      [this.config.expiryBatchSize],
    );
    const byUser = new Map<string, string[]>();
    for (const g of due) byUser.set(g.user_id, [...(byUser.get(g.user_id) ?? []), g.id]);
    let expired = 0;
    for (const [userId, grantIds] of byUser) {
      const { applied } = await this.db.transaction((m) =>
        this.ledger.post(m, userId, () => ({
          cause: { kind: 'expiry', grantIds },
          movements: grantIds.map((grantId) => ({
            kind: 'end_grant' as const,
            grantId,
            end: 'expired' as const,
            reason: 'grant_expiry' as const,
            key: `expire:${grantId}`,
            sourceType: 'grant',
            sourceId: grantId,
          })),
        })),
      );
      expired += applied.length;
    }
    return expired;
  }

  private async announceExpiring(): Promise<number> {
    return this.db.transaction(async (m) => {
      const soon: Array<{
        id: string;
        user_id: string;
        bucket: CreditBucket;
        remaining: number;
        expires_at: Date;
      }> = await m.query(
        `WITH c AS (
             UPDATE credit_grants SET expiring_notified_at = now()
              WHERE id IN (SELECT id FROM credit_grants
                            WHERE expires_at > now() AND expires_at <= now() + make_interval(hours => $1)
                              AND expiring_notified_at IS NULL AND remaining > 0 AND voided_at IS NULL
                              AND expired_at IS NULL
                            ORDER BY expires_at LIMIT $2)
                AND expiring_notified_at IS NULL
             RETURNING id, user_id, bucket, remaining, expires_at)
           SELECT * FROM c`,
        [this.config.expiringSoonHours, this.config.expiryBatchSize],
      );
      for (const g of soon)
        await this.events.publish(
          m,
          new CreditsExpiringSoon(g.user_id, g.id, g.bucket, g.remaining, g.expires_at),
        );
      return soon.length;
    });
  }
}
