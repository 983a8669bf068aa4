import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown-state.service';
import { StripeHealthIndicator } from './stripe.health';

@Module({
  // Terminus would log every failed check with its details; HealthController logs state changes instead.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [StripeHealthIndicator, ShutdownState],
})
export class HealthModule {}
