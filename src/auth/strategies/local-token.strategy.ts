import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { AuthUser } from '../../common/decorators';
import { TokenService } from '../token.service';
import { bearerToken, LOCAL_TOKEN, type AuthenticatedRequest } from './credential';

/** Tollgate's own HS256 token, verified with JWT_SECRET only (fast-jwt, its verification cache): no database. */
@Injectable()
export class LocalTokenStrategy extends PassportStrategy(Strategy, LOCAL_TOKEN) {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  validate(req: AuthenticatedRequest): AuthUser {
    return this.tokens.authenticate(bearerToken(req)!);
  }
}
