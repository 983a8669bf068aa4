import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown-state.service';
import { StripeHealthIndicator } from './stripe.health';

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [StripeHealthIndicator, ShutdownState],
})
export class HealthModule {}
