import { Module } from '@nestjs/common';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { ApiCallsController } from './api-calls.controller';
import { PostsController } from './posts.controller';

/**
 * The example routes a product would write on top of Tollgate: one that costs a credit (@ConsumesCredits) and
 * one behind a plan feature (@RequiresFeature). They sit above the domain modules and use only what those
 * export; no domain module registers them.
 */
@Module({
  imports: [CreditsModule, EntitlementsModule],
  controllers: [PostsController, ApiCallsController],
})
export class ExamplesModule {}
