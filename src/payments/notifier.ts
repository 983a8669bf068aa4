import { Injectable, Logger } from '@nestjs/common';

export type NotificationKind =
  'payment_failed' | 'trial_will_end' | 'async_payment_failed' | 'subscription_ended';

export interface CustomerNotification {
  kind: NotificationKind;
  userId: string;
  /** Stripe object the notice is about (invoice, subscription, checkout session). */
  reference: string;
  data?: Record<string, unknown>;
}

/** Pluggable: bind NOTIFIER to an email/SMS implementation. The default logs. */
export interface Notifier {
  notify(notification: CustomerNotification): Promise<void>;
}

export const NOTIFIER = Symbol('NOTIFIER');

@Injectable()
export class LoggingNotifier implements Notifier {
  private readonly logger = new Logger('Notifier');
  readonly sent: CustomerNotification[] = [];

  async notify(notification: CustomerNotification): Promise<void> {
    this.sent.push(notification);
    if (this.sent.length > 1000) this.sent.shift();
    this.logger.log({ notification }, `notify ${notification.kind} user=${notification.userId}`);
  }
}
