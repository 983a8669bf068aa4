import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors';
import { WebhookEventsQueryDto } from './dto/webhook-events.dto';
import { WebhookEventRow, WebhookInboxService } from './webhook-inbox.service';
import { WebhookProcessor } from './webhook-processor.service';

@Injectable()
export class AdminWebhookEventsService {
  constructor(
    private readonly inbox: WebhookInboxService,
    private readonly processor: WebhookProcessor,
  ) {}

  async list(q: WebhookEventsQueryDto) {
    const found = await this.inbox.list(q.status, q.limit + 1, q.cursor);
    const events = found.slice(0, q.limit).map((e) => this.view(e));
    return { events, next_cursor: found.length > q.limit ? events[events.length - 1].id : null };
  }

  async get(id: string) {
    const row = await this.inbox.get(id);
    if (!row) throw new AppError(ErrorCode.WebhookEventNotFound);
    return this.view(row);
  }

  async retry(id: string) {
    await this.get(id);
    if (await this.inbox.requeue(id)) {
      // The retry worker may claim the requeued event first: then wait for that run, so the answer shows
      // the outcome rather than 'pending' or 'processing'.
      if ((await this.processor.processById(id)) === 'not_due') await this.processor.drain();
    }
    return this.get(id);
  }

  private view(e: WebhookEventRow) {
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      id: e.id,
      type: e.type,
      api_version: e.api_version,
      status: e.status,
      attempts: e.attempts,
      last_error: e.last_error,
      warning: e.warning,
      created: iso(e.created),
      received_at: iso(e.received_at),
      processed_at: iso(e.processed_at),
      next_attempt_at: iso(e.next_attempt_at),
    };
  }
}
