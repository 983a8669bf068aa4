import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppError, ErrorCode } from '../common/errors';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { refId } from '../stripe/stripe-refs';
import { UsersService } from '../users/users.service';
import type { AdminPaymentDto, AdminRefundDto } from './dto/admin-payments.dto';

const isoSeconds = (s: number): string => new Date(s * 1000).toISOString();
const SUBSCRIPTION_PAYMENT = /^Subscription /;

/**
 * A customer's payments as Stripe has them, and an operator's refund of a credit pack. The refund is Stripe's:
 * its charge.refunded event claws the credits back through the normal webhook path, exactly as a refund made in
 * Stripe's dashboard would (nothing is granted or removed here).
 */
@Injectable()
export class AdminPaymentsService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly users: UsersService,
  ) {}

  async list(userId: string): Promise<{ payments: AdminPaymentDto[] }> {
    const user = await this.users.getById(userId);
    if (!user.customerId) return { payments: [] };
    const intents = await this.stripe.paymentIntents.list({
      customer: user.customerId,
      limit: 100,
      expand: ['data.latest_charge'],
    });
    return {
      payments: intents.data.filter((pi) => refId(pi.customer) === user.customerId).map(present),
    };
  }

  async refund(userId: string, paymentIntentId: string): Promise<AdminRefundDto> {
    const user = await this.users.getById(userId);
    const pi = user.customerId
      ? await this.stripe.paymentIntents
          .retrieve(paymentIntentId, { expand: ['latest_charge'] })
          .catch((err: unknown) => {
            if ((err as { code?: string }).code === 'resource_missing') return null;
            throw err;
          })
      : null;
    if (!pi || refId(pi.customer) !== user.customerId) {
      throw new AppError(ErrorCode.NotFound, "This payment is not one of this customer's.");
    }
    if (!present(pi).refundable) {
      throw new AppError(
        ErrorCode.Conflict,
        'Only a succeeded credit-pack payment that is not fully refunded can be refunded here.',
      );
    }
    const refund = await this.stripe.refunds
      .create({ payment_intent: pi.id, reason: 'requested_by_customer' })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === 'charge_already_refunded') {
          throw new AppError(ErrorCode.Conflict, 'This payment is already refunded.');
        }
        throw err;
      });
    return {
      refund_id: refund.id,
      status: refund.status ?? 'pending',
      amount: refund.amount,
      currency: refund.currency,
    };
  }
}

function present(pi: Stripe.PaymentIntent): AdminPaymentDto {
  const charge = typeof pi.latest_charge === 'object' && pi.latest_charge !== null ? pi.latest_charge : null;
  const kind = SUBSCRIPTION_PAYMENT.test(pi.description ?? '') ? 'subscription' : 'credit_pack';
  const refunded = charge?.amount_refunded ?? 0;
  return {
    payment_intent_id: pi.id,
    kind,
    status: pi.status,
    amount: pi.amount,
    amount_refunded: refunded,
    currency: pi.currency,
    description: pi.description ?? null,
    refundable:
      kind === 'credit_pack' && pi.status === 'succeeded' && charge !== null && refunded < charge.amount,
    created: isoSeconds(pi.created),
  };
}
