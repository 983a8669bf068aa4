import { ConsumeService } from '../credits/consume.service';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LowBalanceThresholds } from '../common/facts';
import { outboundConfig, OutboundConfig } from '../config/outbound.config';
import { IdentityService } from '../auth/identity.service';
import { UsersService } from '../users/users.service';
import type { SpendControlsDto, SpendControlsResponseDto } from './dto/spend-controls.dto';
import { normalizeSpendControls, type UsageLimit } from './spend-controls.rules';

/** The channel a spend-controls write notifies in its transaction; the payload is the user's id. */
export const SPEND_CONTROLS_CHANNEL = 'tollgate_spend_controls';
/** Every replica reloads all thresholds this often: the backstop for a notice lost on a dead connection. */
export const SPEND_CONTROLS_RELOAD_MS = 60_000;

interface Row {
  user_id: string;
  low_balance_thresholds: number[] | null;
  usage_limits: UsageLimit[];
  overage_cap: number | null;
  updated_at: Date;
}

/**
 * Per-user spend controls (`spend_controls`, this module's table): low-balance thresholds, usage limits per
 * UTC hour/day/month and the overage cap. The thresholds are also held in memory (LowBalanceThresholds), so
 * the balance reactions on the posting path ask no query: loaded at boot, updated after each write here, on
 * other replicas by NOTIFY (SpendControlsListener), and reloaded in full every SPEND_CONTROLS_RELOAD_MS.
 * Usage limits are enforced by the consume and hold statements (src/credits/ledger/consume-sql.ts), the overage
 * cap by the overage consume (CONSUME_OVERAGE_SQL): both are handed to the credits module when they change.
 */
@Injectable()
export class SpendControlsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SpendControls');
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(outboundConfig.KEY) private readonly outbound: OutboundConfig,
    private readonly thresholds: LowBalanceThresholds,
    private readonly identities: IdentityService,
    private readonly users: UsersService,
    private readonly consume: ConsumeService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reloadAll();
    this.reloadTimer = setInterval(() => {
      this.reloadAll().catch((err: Error) =>
        this.logger.warn(`spend controls reload failed: ${err.message}`),
      );
    }, SPEND_CONTROLS_RELOAD_MS);
    this.reloadTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.reloadTimer);
  }

  /** The user an API key names by external id (the namespace of PUT /users/{external_id}); 404 if none. */
  async userIdForExternalId(externalId: string): Promise<string> {
    return (await this.identities.forApiKey(externalId)).id;
  }

  /** A user by Tollgate id (admin routes); 404 USER_NOT_FOUND if none. */
  async assertUser(userId: string): Promise<void> {
    await this.users.assertExists(this.db.manager, userId);
  }

  async get(userId: string): Promise<SpendControlsResponseDto> {
    const [row]: Row[] = await this.db.query(
      `SELECT user_id, low_balance_thresholds, usage_limits, overage_cap, updated_at
         FROM spend_controls WHERE user_id = $1`,
      [userId],
    );
    return this.toResponse(userId, row);
  }

  /** Replaces the user's controls (checked first: a refused body changes nothing). */
  async put(userId: string, body: SpendControlsDto): Promise<SpendControlsResponseDto> {
    const controls = normalizeSpendControls(body);
    const row = await this.db.transaction(async (m) => {
      const [saved]: Row[] = await m.query(
        `INSERT INTO spend_controls (user_id, low_balance_thresholds, usage_limits, overage_cap, updated_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (user_id) DO UPDATE SET low_balance_thresholds = EXCLUDED.low_balance_thresholds,
           usage_limits = EXCLUDED.usage_limits, overage_cap = EXCLUDED.overage_cap, updated_at = now()
         RETURNING user_id, low_balance_thresholds, usage_limits, overage_cap, updated_at`,
        [
          userId,
          controls.low_balance_thresholds,
          JSON.stringify(controls.usage_limits),
          controls.overage_cap,
        ],
      );
      // The credits module enforces the usage limits inside its consume and hold statements: hand them over.
      await this.consume.setUsageLimits(m, userId, controls.usage_limits);
      // … and the overage cap inside the overage consume (null: the plan's).
      await this.consume.setOverageCap(m, userId, controls.overage_cap);
      await m.query(`SELECT pg_notify('${SPEND_CONTROLS_CHANNEL}', $1)`, [userId]);
      return saved;
    });
    this.thresholds.set(userId, row.low_balance_thresholds);
    return this.toResponse(userId, row);
  }

  /** One user's thresholds from the database again (another replica changed them). */
  async reloadUser(userId: string): Promise<void> {
    const [row]: Array<Pick<Row, 'low_balance_thresholds'>> = await this.db.query(
      `SELECT low_balance_thresholds FROM spend_controls WHERE user_id = $1`,
      [userId],
    );
    this.thresholds.set(userId, row?.low_balance_thresholds ?? null);
  }

  /** Every user's thresholds from the database (boot, a (re)connected listener, the periodic backstop). */
  async reloadAll(): Promise<void> {
    const rows: Array<Pick<Row, 'user_id' | 'low_balance_thresholds'>> = await this.db.query(
      `SELECT user_id, low_balance_thresholds FROM spend_controls WHERE low_balance_thresholds IS NOT NULL`,
    );
    this.thresholds.replaceAll(rows.map((r) => [r.user_id, r.low_balance_thresholds ?? []]));
  }

  private toResponse(userId: string, row: Row | undefined): SpendControlsResponseDto {
    const own = row?.low_balance_thresholds ?? null;
    return {
      user_id: userId,
      low_balance_thresholds: own ?? [this.outbound.creditsLowThreshold],
      low_balance_thresholds_default: own === null,
      usage_limits: row?.usage_limits ?? [],
      overage_cap: row?.overage_cap ?? null,
      updated_at: row ? new Date(row.updated_at).toISOString() : null,
    };
  }
}
