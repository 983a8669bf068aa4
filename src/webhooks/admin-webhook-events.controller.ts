import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { WebhookEventDto, WebhookEventListDto, WebhookEventsQueryDto } from './dto/webhook-events.dto';
import { AdminWebhookEventsService } from './admin-webhook-events.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin', 'support')
@Controller('admin/webhook-events')
export class AdminWebhookEventsController {
  constructor(private readonly events: AdminWebhookEventsService) {}

  @Get()
  @ApiOperation({ summary: 'Webhook inbox, newest first, optionally by status (admin, support)' })
  @ApiOkResponse({ type: WebhookEventListDto })
  @ApiErrors(400, 401, 403)
  list(@Query() q: WebhookEventsQueryDto) {
    return this.events.list(q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook event (admin, support)' })
  @ApiOkResponse({ type: WebhookEventDto })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string) {
    return this.events.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-run a failed or dead event now (admin, support); a processed one is left as is',
  })
  @ApiOkResponse({ type: WebhookEventDto })
  @ApiErrors(401, 403, 404)
  retry(@Param('id') id: string) {
    return this.events.retry(id);
  }
}
