import { Inject, Injectable } from '@nestjs/common';
import { authConfig, AuthConfig } from '../config/auth.config';
import { AppError, ErrorCode } from '../common/errors';
import type { AuthUser } from '../common/decorators';
import { UsersService } from '../users/users.service';
import { CredentialsDto } from './dto/credentials.dto';
import { MeResponseDto, TokenResponseDto } from './dto/token-response.dto';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password-hasher';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  /** AUTH_LOCAL=false: the routes answer as if they did not exist. */
  private assertLocal(): void {
    if (!this.config.local) throw new AppError(ErrorCode.NotFound);
  }

  async register(dto: CredentialsDto): Promise<TokenResponseDto> {
    this.assertLocal();
    const user = await this.users.create(dto.email, await hashPassword(dto.password));
    return this.tokens.issue(user);
  }

  /** The same error, and about the same time, whether the email is unknown or the password wrong. */
  async login(dto: CredentialsDto): Promise<TokenResponseDto> {
    this.assertLocal();
    const user = await this.users.findByEmailWithHash(dto.email);
    const ok = await verifyPassword(dto.password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) throw new AppError(ErrorCode.AuthInvalidCredentials);
    return this.tokens.issue(await this.users.syncAdminRole(user));
  }

  async me(caller: AuthUser): Promise<MeResponseDto> {
    const user = await this.users.getById(caller.id);
    return {
      id: user.id,
      email: user.email,
      role: user.role,
      external_id: user.externalId,
      customer_id: user.customerId,
      created_at: user.createdAt.toISOString(),
    };
  }
}
