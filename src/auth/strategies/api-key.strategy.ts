import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { ApiKeysService, type ApiKeyCaller } from '../../api-keys/api-keys.service';
import type { ScopeRule } from '../../common/decorators';
import { AppError, ErrorCode } from '../../common/errors';
import { IdentityService } from '../identity.service';
import { API_KEY, bearerToken, type AuthenticatedRequest } from './credential';

/** What the API-key guard passes to the strategy: the route's @RequiresScope rule, if it has one. */
export interface ApiKeyOptions {
  rule?: ScopeRule;
}

/**
 * A `tg_…` API key: allowed only on routes with @RequiresScope and only with that scope; on routes that act
 * for a user, X-Tollgate-User names them (set as `req.user`). The key itself is what the strategy returns.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY) {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly identities: IdentityService,
  ) {
    super({ passOptionsToCallback: true });
  }

  async validate(req: AuthenticatedRequest, { rule }: ApiKeyOptions): Promise<ApiKeyCaller> {
    const key = await this.apiKeys.authenticate(bearerToken(req)!);
    if (!rule) throw new AppError(ErrorCode.ApiKeyScopeMissing, 'API keys cannot call this route.');
    if (!key.scopes.includes(rule.scope)) {
      throw new AppError(ErrorCode.ApiKeyScopeMissing, `This API key lacks the ${rule.scope} scope.`);
    }
    if (rule.actsForUser) {
      const externalId = req.headers['x-tollgate-user'];
      if (typeof externalId !== 'string' || externalId === '')
        throw new AppError(ErrorCode.ApiKeyUserRequired);
      req.user = await this.identities.forApiKey(externalId);
    }
    return key;
  }
}
