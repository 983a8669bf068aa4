import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { outboundConfig, OutboundConfig } from '../config/outbound.config';
import { firstRow, rows, touched } from '../common/db/sql';
import type {
  CreatedWebhookEndpointDto,
  OutboundDeliveryDto,
  ReplayDto,
  RotatedSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
} from './dto/endpoint.dto';
import { OutboundEventsService } from './outbound-events.service';
import { urlRefusal } from './url-safety';
import { newWebhookSecret } from './delivery-signer';

interface EndpointRow {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
  previous_secret_expires_at: Date | null;
  created_at: Date;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  next_attempt_at: Date;
  delivered_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, url, description, events, enabled, disabled_reason, consecutive_failures,
                 previous_secret_expires_at, created_at`;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Webhook endpoints for admins and `endpoints:write` API keys. Secrets are shown once and never logged. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: OutboundEventsService,
    @Inject(outboundConfig.KEY) private readonly config: OutboundConfig,
  ) {}

  async create(dto: {
    url: string;
    events: string[];
    description?: string;
  }): Promise<CreatedWebhookEndpointDto> {
    this.assertUrl(dto.url);
    const secret = newWebhookSecret();
    const row = await firstRow<EndpointRow>(
      this.db,
      `INSERT INTO webhook_endpoints (url, events, description, secret) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [dto.url, [...new Set(dto.events)], dto.description ?? '', secret],
    );
    this.events.forgetSubscriptions();
    return { ...this.view(row!), secret };
  }

  async list(): Promise<{ endpoints: WebhookEndpointDto[] }> {
    const all = await rows<EndpointRow>(
      this.db,
      `SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`,
    );
    return { endpoints: all.map((r) => this.view(r)) };
  }

  async update(id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    if (dto.url !== undefined) this.assertUrl(dto.url);
    const row = await firstRow<EndpointRow>(
      this.db,
      `UPDATE webhook_endpoints
          SET url = COALESCE($2, url), events = COALESCE($3, events), description = COALESCE($4, description),
              enabled = COALESCE($5, enabled),
              disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason WHEN $5 THEN NULL ELSE 'disabled by an operator' END,
              consecutive_failures = CASE WHEN $5 THEN 0 ELSE consecutive_failures END,
              failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
              updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        this.uuid(id),
        dto.url ?? null,
        dto.events ? [...new Set(dto.events)] : null,
        dto.description ?? null,
        dto.enabled ?? null,
      ],
    );
    if (!row) throw new AppError(ErrorCode.WebhookEndpointNotFound);
    this.events.forgetSubscriptions();
    return this.view(row);
  }

  async remove(id: string): Promise<void> {
    const removed = await touched(this.db, `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING 1`, [
      this.uuid(id),
    ]);
    if (!removed) throw new AppError(ErrorCode.WebhookEndpointNotFound);
    this.events.forgetSubscriptions();
  }

  /** A new secret signs from now on; the old one keeps signing too (a second signature) for the grace period. */
  async rotate(id: string, graceSeconds?: number): Promise<RotatedSecretDto> {
    const secret = newWebhookSecret();
    const grace = graceSeconds ?? this.config.rotationGraceSeconds;
    const row = await firstRow<{ id: string; previous_secret_expires_at: Date | null }>(
      this.db,
      `UPDATE webhook_endpoints
          SET previous_secret = CASE WHEN $3::int > 0 THEN secret END,
              previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + ($3::int * interval '1 second') END,
              secret = $2, updated_at = now()
        WHERE id = $1 RETURNING id, previous_secret_expires_at`,
      [this.uuid(id), secret, grace],
    );
    if (!row) throw new AppError(ErrorCode.WebhookEndpointNotFound);
    return { id: row.id, secret, previous_secret_expires_at: iso(row.previous_secret_expires_at) };
  }

  /** Sends a `webhook.test` event to this endpoint only (through the outbox, like any other). */
  async test(id: string): Promise<{ event_id: string }> {
    await this.find(id);
    const eventId = await this.db.transaction((m) => this.events.emitTest(m, id));
    return { event_id: eventId };
  }

  async deliveries(id: string, limit = 50): Promise<{ deliveries: OutboundDeliveryDto[] }> {
    await this.find(id);
    const found = await rows<DeliveryRow>(
      this.db,
      `SELECT d.id::text, d.event_id, e.type AS event_type, d.status, d.attempts, d.last_status_code,
              d.last_latency_ms, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
         FROM outbound_deliveries d JOIN outbound_events e ON e.id = d.event_id
        WHERE d.endpoint_id = $1 ORDER BY d.id DESC LIMIT $2`,
      [id, limit],
    );
    return {
      deliveries: found.map((r) => ({
        id: r.id,
        event_id: r.event_id,
        event_type: r.event_type,
        status: r.status,
        attempts: r.attempts,
        last_status_code: r.last_status_code,
        last_latency_ms: r.last_latency_ms,
        last_error: r.last_error,
        next_attempt_at: ['pending', 'sending'].includes(r.status) ? iso(r.next_attempt_at) : null,
        delivered_at: iso(r.delivered_at),
        created_at: iso(r.created_at)!,
      })),
    };
  }

  /**
   * Delivers again, with the original webhook-id: one event (any type), or every event of a time range this
   * endpoint subscribes to (at most 10,000 per call).
   */
  async replay(id: string, dto: ReplayDto): Promise<{ replayed: number }> {
    await this.find(id);
    if (dto.event_id) {
      const queued = await touched(
        this.db,
        `INSERT INTO outbound_deliveries (event_id, endpoint_id)
         SELECT e.id, $2 FROM outbound_events e WHERE e.id = $1 RETURNING 1`,
        [dto.event_id, id],
      );
      if (!queued) throw new AppError(ErrorCode.OutboundEventNotFound);
      return { replayed: 1 };
    }
    if (!dto.since || !dto.until)
      throw new AppError(ErrorCode.ValidationFailed, 'Give event_id, or both since and until.');
    const queued = await rows<{ queued: 1 }>(
      this.db,
      `INSERT INTO outbound_deliveries (event_id, endpoint_id)
       SELECT e.id, w.id FROM outbound_events e JOIN webhook_endpoints w ON w.id = $1 AND e.type = ANY(w.events)
        WHERE e.created_at >= $2 AND e.created_at < $3
        ORDER BY e.created_at LIMIT 10000 RETURNING 1 AS queued`,
      [id, dto.since, dto.until],
    );
    return { replayed: queued.length };
  }

  private async find(id: string): Promise<EndpointRow> {
    const row = await firstRow<EndpointRow>(
      this.db,
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`,
      [this.uuid(id)],
    );
    if (!row) throw new AppError(ErrorCode.WebhookEndpointNotFound);
    return row;
  }

  private uuid(id: string): string {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
      throw new AppError(ErrorCode.WebhookEndpointNotFound);
    return id;
  }

  private assertUrl(url: string): void {
    const why = urlRefusal(url, {
      production: this.config.production,
      allowPrivate: this.config.allowPrivate,
    });
    if (why)
      throw new AppError(ErrorCode.WebhookEndpointUrlRefused, `This URL cannot receive webhooks: ${why}.`);
  }

  private view(r: EndpointRow): WebhookEndpointDto {
    return {
      id: r.id,
      url: r.url,
      description: r.description,
      events: r.events,
      enabled: r.enabled,
      disabled_reason: r.disabled_reason,
      consecutive_failures: r.consecutive_failures,
      previous_secret_expires_at: iso(r.previous_secret_expires_at),
      created_at: iso(r.created_at)!,
    };
  }
}
