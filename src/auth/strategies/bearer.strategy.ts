import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AppError, ErrorCode } from '../../common/errors';
import type { AuthUser } from '../../common/decorators';
import { TokenService } from '../token.service';

export const BEARER_STRATEGY = 'bearer-jwt';

/** Passport bearer-token strategy; verification is fast-jwt (see TokenService). */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  validate(req: Request): AuthUser {
    const header = req.headers.authorization;
    if (!header) throw new AppError(ErrorCode.AuthTokenMissing);
    const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
    if (!match)
      throw new AppError(ErrorCode.AuthTokenInvalid, 'The Authorization header must be "Bearer <token>".');
    return this.tokens.authenticate(match[1]);
  }
}
