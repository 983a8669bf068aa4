import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { TimeTravelController } from './time-travel.controller';
import { TimeTravelService } from './time-travel.service';

/** The demo's server side: time travel on the emulator (a renewal waits on the webhook inbox) (the page itself is static, see demo.setup.ts). */
@Module({
  imports: [UsersModule, WebhooksModule],
  controllers: [TimeTravelController],
  providers: [TimeTravelService],
})
export class DemoModule {}
