import { Inject, Injectable, Logger } from '@nestjs/common';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { NotificationListener } from '../common/db/notification-listener';
import { AutoTopUpService } from './auto-top-up.service';
import { SPEND_CONTROLS_CHANNEL, SpendControlsService } from './spend-controls.service';

/**
 * Keeps this replica's in-memory thresholds current when another replica changes a user's spend controls: a
 * notice (payload: the user id) reloads that user; a lost or new LISTEN connection reloads everyone.
 */
@Injectable()
export class SpendControlsListener extends NotificationListener {
  private readonly log = new Logger('SpendControls');

  constructor(
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
    private readonly controls: SpendControlsService,
    private readonly autoTopUps: AutoTopUpService,
  ) {
    super(database, SPEND_CONTROLS_CHANNEL, 'spend controls change');
  }

  protected onNotice(payload: string): void {
    if (!payload) return;
    this.controls.reloadUser(payload).catch((err: Error) => this.failed(err));
    this.autoTopUps.reloadUser(payload).catch((err: Error) => this.failed(err));
  }

  protected reset(): void {
    this.controls.reloadAll().catch((err: Error) => this.failed(err));
    this.autoTopUps.reloadAll().catch((err: Error) => this.failed(err));
  }

  private failed(err: Error): void {
    this.log.warn(`spend controls reload failed: ${err.message}`);
  }
}
