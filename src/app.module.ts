import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { CachedThrottlerGuard } from './common/guards/throttler.guard';
import { LoggerModule } from 'nestjs-pino';
import { AdminUsersModule } from './admin/admin-users.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CreditsModule } from './credits/credits.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { AuthenticationGuard } from './auth/guards/authentication.guard';
import { RolesGuard } from './auth/guards/roles.guard';
import { REQUIRED_SCOPE_KEY, ScopeRule, THROTTLE_TIER_KEY, ThrottleTierName } from './common/decorators';
import { pinoParams } from './common/logging';
import { ThrottlerStorageModule, ThrottlerStorageProvider } from './common/throttler-storage';
import { allConfigs, appConfig, AppConfig } from './config';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './common/events/events.module';
import { DemoModule } from './demo/demo.module';
import { EntitlementsModule } from './entitlements/entitlements.module';
import { ExamplesModule } from './examples/examples.module';
import { HealthModule } from './health/health.module';
import { OutboundModule } from './outbound/outbound.module';
import { PaymentsModule } from './payments/payments.module';
import { PlansModule } from './plans/plans.module';
import { StripeModule } from './stripe/stripe.module';
import { UsersModule } from './users/users.module';
import { MetricsModule } from './metrics/metrics.module';
import { RetentionModule } from './retention/retention.module';
import { SpendControlsModule } from './spend-controls/spend-controls.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: allConfigs,
      envFilePath: ['.env'],
      ignoreEnvFile: process.env.NODE_ENV === 'test',
    }),
    LoggerModule.forRootAsync({ inject: [appConfig.KEY], useFactory: (app: AppConfig) => pinoParams(app) }),
    ThrottlerModule.forRootAsync({
      imports: [ThrottlerStorageModule],
      inject: [appConfig.KEY, Reflector, ThrottlerStorageProvider],
      useFactory: (app: AppConfig, reflector: Reflector, store: ThrottlerStorageProvider) => ({
        storage: store.storage,
        throttlers: [
          {
            ttl: app.throttle.ttlMs,
            // Spending credits has its own tier (users and API keys alike); then API keys have theirs; stricter
            // tiers for /auth and checkout creation; else the default.
            limit: (ctx) => {
              const targets = [ctx.getHandler(), ctx.getClass()];
              const tier =
                reflector.getAllAndOverride<ThrottleTierName | undefined>(THROTTLE_TIER_KEY, targets) ??
                (reflector.getAllAndOverride<ScopeRule | undefined>(REQUIRED_SCOPE_KEY, targets)?.scope ===
                'credits:consume'
                  ? 'consume'
                  : undefined);
              if (tier === 'consume') return app.throttle.consumeLimit;
              if (ctx.switchToHttp().getRequest<{ apiKey?: unknown }>().apiKey)
                return app.throttle.apiKeyLimit;
              return tier === 'auth'
                ? app.throttle.authLimit
                : tier === 'checkout'
                  ? app.throttle.checkoutLimit
                  : app.throttle.limit;
            },
          },
        ],
        // Per API key, else per user when authenticated (the guard runs after AuthenticationGuard), else per client IP.
        getTracker: (req: Record<string, unknown>) => {
          const key = req.apiKey as { id: string } | undefined;
          if (key) return `key:${key.id}`;
          const user = req.user as { id?: string } | undefined;
          return user?.id ? `user:${user.id}` : `ip:${String(req.ip)}`;
        },
        // Per route and caller, as the default does, without hashing the key on every request.
        generateKey: (ctx, tracker, name) =>
          `${ctx.getClass().name}.${ctx.getHandler().name}:${name}:${tracker}`,
      }),
    }),
    EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false }),
    ScheduleModule.forRoot(),
    DatabaseModule,
    EventsModule,
    MetricsModule,
    StripeModule,
    UsersModule,
    AuthModule,
    HealthModule,
    PlansModule,
    CreditsModule,
    PaymentsModule,
    WebhooksModule,
    AdminUsersModule,
    AuditModule,
    OutboundModule,
    EntitlementsModule,
    ExamplesModule,
    DemoModule,
    RetentionModule,
    SpendControlsModule,
  ],
  providers: [
    // Order matters: who is calling, may they, then how often.
    { provide: APP_GUARD, useExisting: AuthenticationGuard },
    { provide: APP_GUARD, useExisting: RolesGuard },
    { provide: APP_GUARD, useClass: CachedThrottlerGuard },
  ],
})
export class AppModule {}
