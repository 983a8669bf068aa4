import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, IdempotencyKey, RequiresScope, Roles, type AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/swagger';
import { UserRefPipe } from '../users/user-ref.pipe';
import { GrantBookService, type GrantRequest } from './grant-book.service';
import { GrantCreditsDto, GrantDto, GrantPageDto, GrantsQueryDto, VoidGrantDto } from './dto/grants.dto';

const KEY_HEADER = {
  name: 'Idempotency-Key',
  required: true,
  description: 'Required: the same key and body answer the same grant; another body is 409.',
};

/** An Idempotency-Key the route cannot do without. */
export function requireKey(key: string | undefined): string {
  if (!key) throw new AppError(ErrorCode.IdempotencyKeyRequired);
  return key;
}

const requestOf = (dto: GrantCreditsDto): GrantRequest => ({
  amount: dto.amount,
  bucket: dto.bucket,
  expiresAt: dto.expires_at,
  expiresInDays: dto.expires_in_days,
  priority: dto.priority,
  reason: dto.reason,
  sourceId: dto.source_id,
});

@ApiTags('credits')
@ApiBearerAuth()
@Controller('credits/grants')
export class CreditGrantsController {
  constructor(private readonly book: GrantBookService) {}

  @Post()
  @Roles('admin')
  @RequiresScope('credits:grant')
  @ApiOperation({
    summary:
      'Grant credits to the user an API key acts for (promotional or purchased, with expiry and priority)',
    description:
      'An API key with credits:grant, acting for X-Tollgate-User. Operators use POST /admin/users/{id}/grants.',
  })
  @ApiHeader(KEY_HEADER)
  @ApiCreatedResponse({ type: GrantDto })
  @ApiErrors(400, 401, 403, 409)
  grant(@CurrentUser() user: AuthUser, @Body() dto: GrantCreditsDto, @IdempotencyKey() key?: string) {
    return this.book.grant(user.id, requestOf(dto), {
      source: 'api',
      actorId: null,
      idempotencyKey: requireKey(key),
    });
  }

  @Get()
  @RequiresScope('credits:read')
  @ApiOperation({ summary: "The caller's grants, newest first, by status (cursor pagination)" })
  @ApiOkResponse({ type: GrantPageDto })
  @ApiErrors(400, 401)
  list(@CurrentUser() user: AuthUser, @Query() q: GrantsQueryDto) {
    return this.book.list(user.id, q);
  }

  @Post(':id/void')
  @HttpCode(200)
  @Roles('admin')
  @RequiresScope('credits:grant')
  @ApiOperation({
    summary: 'Void what remains of a grant (a ledger row; 409 GRANT_NOT_VOIDABLE when nothing does)',
  })
  @ApiOkResponse({ type: GrantDto })
  @ApiErrors(400, 401, 403, 404, 409)
  void(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: VoidGrantDto,
  ) {
    return this.book.void(user.id, id, dto.reason, null);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/users')
export class AdminGrantsController {
  // Every route names the user by Tollgate's id or the host's external id (UserRefPipe: 409 when it names two).
  constructor(private readonly book: GrantBookService) {}

  @Post(':id/grants')
  @ApiOperation({ summary: 'Grant credits to a user (admin; with expiry and priority, audited)' })
  @ApiHeader(KEY_HEADER)
  @ApiCreatedResponse({ type: GrantDto })
  @ApiErrors(400, 401, 403, 404, 409)
  grant(
    @CurrentUser() admin: AuthUser,
    @Param('id', UserRefPipe) userId: string,
    @Body() dto: GrantCreditsDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.book.grant(userId, requestOf(dto), {
      source: 'admin',
      actorId: admin.id,
      idempotencyKey: requireKey(key),
    });
  }

  @Get(':id/grants')
  @Roles('admin', 'support')
  @ApiOperation({ summary: "A user's grants, newest first, by status (admin, support; cursor pagination)" })
  @ApiOkResponse({ type: GrantPageDto })
  @ApiErrors(400, 401, 403, 404, 409)
  list(@Param('id', UserRefPipe) userId: string, @Query() q: GrantsQueryDto) {
    return this.book.list(userId, q);
  }

  @Post(':id/grants/:grantId/void')
  @HttpCode(200)
  @ApiOperation({ summary: "Void what remains of a user's grant (admin)" })
  @ApiOkResponse({ type: GrantDto })
  @ApiErrors(400, 401, 403, 404, 409)
  void(
    @CurrentUser() admin: AuthUser,
    @Param('id', UserRefPipe) userId: string,
    @Param('grantId', new ParseUUIDPipe()) grantId: string,
    @Body() dto: VoidGrantDto,
  ) {
    return this.book.void(userId, grantId, dto.reason, admin.id);
  }
}
