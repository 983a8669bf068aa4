import {
  ExecutionContext,
  Inject,
  Injectable,
  OnModuleDestroy,
  OnModuleInit,
  type Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type AuthModuleOptions } from '@nestjs/passport';
import passport, { type Strategy } from 'passport';
import { REQUIRED_SCOPE_KEY, RouteMetadata, type ScopeRule } from '../../common/decorators';
import { AppError, ErrorCode } from '../../common/errors';
import { ApiKeyStrategy, type ApiKeyOptions } from '../strategies/api-key.strategy';
import { API_KEY, EXTERNAL_TOKEN, LOCAL_TOKEN, type CredentialKind } from '../strategies/credential';
import { ExternalTokenStrategy } from '../strategies/external-token.strategy';
import { LocalTokenStrategy } from '../strategies/local-token.strategy';
import { PASSPORT_SCOPE } from '../strategies/passport-scope';

/**
 * Passport's AuthGuard for one strategy, registered under this app's own name for it (see PASSPORT_SCOPE).
 * The strategies throw Tollgate's AppError (401 with a stable code), which passes through as it is; a strategy
 * that only fails (no user, no error) is a 401 AUTH_TOKEN_INVALID.
 */
function CredentialGuard(kind: CredentialKind, strategy: Type<Strategy>) {
  @Injectable()
  class Guard extends AuthGuard() implements OnModuleInit, OnModuleDestroy {
    private readonly name: string;

    constructor(
      @Inject(strategy) private readonly instance: Strategy,
      @Inject(PASSPORT_SCOPE) scope: string,
    ) {
      const name = `${kind}#${scope}`;
      super({ defaultStrategy: name });
      this.name = name;
    }

    onModuleInit(): void {
      passport.use(this.name, this.instance);
      // After Nest has injected the module's AuthModuleOptions: this guard's strategy is the app's own.
      const self = this as unknown as { options: AuthModuleOptions };
      self.options = { ...self.options, defaultStrategy: this.name };
    }

    onModuleDestroy(): void {
      passport.unuse(this.name);
    }

    override handleRequest<T>(err: unknown, user: T): T {
      if (err) throw err as Error;
      if (!user) throw new AppError(ErrorCode.AuthTokenInvalid);
      return user;
    }
  }
  return Guard;
}

@Injectable()
export class LocalTokenGuard extends CredentialGuard(LOCAL_TOKEN, LocalTokenStrategy) {}

@Injectable()
export class ExternalTokenGuard extends CredentialGuard(EXTERNAL_TOKEN, ExternalTokenStrategy) {}

/** The key lands on `req.apiKey` (whom it acts for, if anyone, on `req.user`); the route's scope rule goes along. */
@Injectable()
export class ApiKeyGuard extends CredentialGuard(API_KEY, ApiKeyStrategy) {
  private requiredScope?: RouteMetadata<ScopeRule>;

  constructor(
    @Inject(ApiKeyStrategy) instance: Strategy,
    @Inject(PASSPORT_SCOPE) scope: string,
    private readonly reflector: Reflector,
  ) {
    super(instance, scope);
  }

  override getAuthenticateOptions(context: ExecutionContext): ApiKeyOptions & { property: string } {
    this.requiredScope ??= new RouteMetadata(this.reflector, REQUIRED_SCOPE_KEY);
    return { property: 'apiKey', rule: this.requiredScope.get(context) };
  }
}
