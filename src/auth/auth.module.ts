import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { ConsoleOidcController } from './console-oidc.controller';
import { ConsoleOidcService } from './console-oidc.service';
import { ExternalUsersController } from './external-users.controller';
import { AuthenticationGuard } from './guards/authentication.guard';
import { ApiKeyGuard, ExternalTokenGuard, LocalTokenGuard } from './guards/credential.guards';
import { RolesGuard } from './guards/roles.guard';
import { ExternalTokenVerifier } from './external-token.verifier';
import { IdentityService } from './identity.service';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { ExternalTokenStrategy } from './strategies/external-token.strategy';
import { LocalTokenStrategy } from './strategies/local-token.strategy';
import { passportScopeProvider } from './strategies/passport-scope';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, ApiKeysModule, PassportModule.register({ session: false })],
  controllers: [AuthController, ExternalUsersController, ConsoleOidcController],
  providers: [
    AuthService,
    ConsoleOidcService,
    TokenService,
    ExternalTokenVerifier,
    IdentityService,
    passportScopeProvider,
    LocalTokenStrategy,
    ExternalTokenStrategy,
    ApiKeyStrategy,
    LocalTokenGuard,
    ExternalTokenGuard,
    ApiKeyGuard,
    AuthenticationGuard,
    RolesGuard,
  ],
  exports: [TokenService, IdentityService, AuthenticationGuard, RolesGuard, ConsoleOidcService],
})
export class AuthModule {}
