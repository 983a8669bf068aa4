import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { ExternalUsersController } from './external-users.controller';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { ExternalTokenVerifier } from './external-token.verifier';
import { IdentityService } from './identity.service';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, ApiKeysModule],
  controllers: [AuthController, ExternalUsersController],
  providers: [AuthService, TokenService, ExternalTokenVerifier, IdentityService, JwtAuthGuard, RolesGuard],
  exports: [TokenService, IdentityService, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
