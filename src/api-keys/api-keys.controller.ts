import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create a server-to-server API key (admin); the secret is shown only here' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 401, 403)
  create(@CurrentUser() admin: AuthUser, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(dto.name, dto.scopes, admin.id);
  }

  @Get()
  @ApiOperation({ summary: 'API keys, newest first, with prefix and last use (admin)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrors(401, 403)
  list(): Promise<ApiKeyListDto> {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key at once (admin)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(401, 403, 404)
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyDto> {
    return this.keys.revoke(id);
  }
}
