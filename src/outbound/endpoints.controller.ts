import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequiresScope, Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeliveriesQueryDto,
  OutboundDeliveryListDto,
  ReplayDto,
  ReplayResultDto,
  RotatedSecretDto,
  RotateSecretDto,
  SentEventDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './dto/endpoint.dto';
import { WebhookEndpointsService } from './endpoints.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@RequiresScope('endpoints:write', { actsForUser: false })
@Controller('admin/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @ApiOperation({
    summary: 'Add a webhook endpoint (admin or endpoints:write); the secret is shown only here',
  })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @ApiErrors(400, 401, 403)
  create(@Body() dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    return this.endpoints.create(dto);
  }

  @Roles('admin', 'support')
  @Get()
  @ApiOperation({ summary: 'Webhook endpoints, oldest first (no secrets)' })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  @ApiErrors(401, 403)
  list(): Promise<WebhookEndpointListDto> {
    return this.endpoints.list();
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, events, description or enabled (enabling clears the failure count)' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id') id: string, @Body() dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    return this.endpoints.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its pending deliveries' })
  @ApiErrors(401, 403, 404)
  remove(@Param('id') id: string): Promise<void> {
    return this.endpoints.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'New secret (shown once); the old one also signs during the grace period' })
  @ApiOkResponse({ type: RotatedSecretDto })
  @ApiErrors(400, 401, 403, 404)
  rotate(@Param('id') id: string, @Body() dto: RotateSecretDto): Promise<RotatedSecretDto> {
    return this.endpoints.rotate(id, dto.grace_period_seconds);
  }

  @Roles('admin', 'support')
  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a webhook.test event for this endpoint' })
  @ApiAcceptedResponse({ type: SentEventDto })
  @ApiErrors(401, 403, 404)
  test(@Param('id') id: string): Promise<SentEventDto> {
    return this.endpoints.test(id);
  }

  @Roles('admin', 'support')
  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Delivery attempts to this endpoint, newest first' })
  @ApiOkResponse({ type: OutboundDeliveryListDto })
  @ApiErrors(400, 401, 403, 404)
  deliveries(@Param('id') id: string, @Query() q: DeliveriesQueryDto): Promise<OutboundDeliveryListDto> {
    return this.endpoints.deliveries(id, q.limit);
  }

  @Roles('admin', 'support')
  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver again (same webhook-id): one event, or every subscribed event in a range',
  })
  @ApiAcceptedResponse({ type: ReplayResultDto })
  @ApiErrors(400, 401, 403, 404)
  replay(@Param('id') id: string, @Body() dto: ReplayDto): Promise<ReplayResultDto> {
    return this.endpoints.replay(id, dto);
  }
}
