import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { AuthUser } from '../../common/decorators';
import { IdentityService } from '../identity.service';
import { bearerToken, EXTERNAL_TOKEN, type AuthenticatedRequest } from './credential';

/** The host IdP's RS256/ES256/EdDSA token, verified with jose against its JWKS only (AUTH_ISSUER). */
@Injectable()
export class ExternalTokenStrategy extends PassportStrategy(Strategy, EXTERNAL_TOKEN) {
  constructor(private readonly identities: IdentityService) {
    super();
  }

  validate(req: AuthenticatedRequest): Promise<AuthUser> {
    return this.identities.fromExternalToken(bearerToken(req)!);
  }
}
