import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogAdminController } from './catalog-admin.controller';
import { CatalogChangeListener } from './catalog-change-listener';
import { CatalogSyncService } from './catalog-sync.service';
import { FreePlan } from './free-plan.entity';
import { CreditPackage } from './credit-package.entity';
import { Plan } from './plan.entity';
import { PlansService } from './plans.service';
import { ProductsController } from './products.controller';

/** The catalog: plans and credit packages, the public product list, and its sync from Stripe. */
@Module({
  imports: [TypeOrmModule.forFeature([Plan, CreditPackage, FreePlan])],
  controllers: [ProductsController, CatalogAdminController],
  providers: [PlansService, CatalogSyncService, CatalogChangeListener],
  exports: [PlansService, CatalogSyncService],
})
export class PlansModule {}
