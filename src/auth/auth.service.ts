import { Injectable } from '@nestjs/common';
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
  ) {}

  async register(dto: CredentialsDto): Promise<TokenResponseDto> {
    const user = await this.users.create(dto.email, await hashPassword(dto.password));
    return this.tokens.issue(user);
  }

  /** The same error, and about the same time, whether the email is unknown or the password wrong. */
  async login(dto: CredentialsDto): Promise<TokenResponseDto> {
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
      customer_id: user.customerId,
      created_at: user.createdAt.toISOString(),
    };
  }
}
