import { Module } from '@nestjs/common';
import { PlansModule } from '../plans/plans.module';
import { EntitlementsController } from './entitlements.controller';
import { EntitlementsService } from './entitlements.service';
import { RequiresFeatureGuard } from './requires-feature.decorator';

/**
 * Entitlements: each user's features from their plan (`user_entitlements`), GET /entitlements and the
 * @RequiresFeature guard. Import this module where @RequiresFeature routes live.
 */
@Module({
  imports: [PlansModule],
  controllers: [EntitlementsController],
  providers: [EntitlementsService, RequiresFeatureGuard],
  exports: [EntitlementsService, RequiresFeatureGuard],
})
export class EntitlementsModule {}
