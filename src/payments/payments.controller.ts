import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { CurrentUser, RequiresScope, ThrottleTier, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { BillingDetailsService } from './billing-details.service';
import { CheckoutService } from './checkout.service';
import { CustomerService } from './customer.service';
import { BillingDetailsDto, BillingDetailsResponseDto } from './dto/billing-details.dto';
import { ChangePlanDto, ChangePlanPreviewDto } from './dto/change-plan.dto';
import { CheckoutSessionCreatedDto, CreateCheckoutSessionDto } from './dto/checkout-request.dto';
import { BillingPortalSessionDto, InvoicesQueryDto, InvoicesResponseDto } from './dto/invoices.dto';
import {
  CheckoutSessionStatusDto,
  NoSubscriptionDto,
  UserSubscriptionDto,
  type SubscriptionAnswer,
} from './dto/subscription-response.dto';
import { InvoicesService } from './invoices.service';
import { PaymentMethodDto } from './dto/payment-method.dto';
import { PaymentMethodService } from './payment-method.service';
import { SubscriptionManagementService } from './subscription-management.service';

@ApiTags('payments')
@ApiBearerAuth()
@ApiExtraModels(UserSubscriptionDto, NoSubscriptionDto)
@Controller('payments')
export class PaymentsController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly subscriptions: SubscriptionManagementService,
    private readonly invoices: InvoicesService,
    private readonly customers: CustomerService,
    private readonly billingDetails: BillingDetailsService,
    private readonly paymentMethods: PaymentMethodService,
  ) {}

  @RequiresScope('checkout:create')
  @Post('create-checkout-session')
  @HttpCode(200)
  @ThrottleTier('checkout')
  @ApiOperation({
    summary: 'Start a Stripe Checkout for a subscription plan',
    description:
      "The plan's trial (14 days by default) unless you already had one. SUBSCRIPTION_EXISTS (409) while a " +
      'subscription is live: use change-plan or the billing portal. Earlier open plan checkouts are expired, ' +
      'across every replica: CHECKOUT_IN_PROGRESS (409, Retry-After) if another one for you is still being created. ' +
      'CURRENCY_MISMATCH (409) for another currency than your earlier purchases; UNSUPPORTED_CURRENCY (400).',
  })
  @ApiOkResponse({ type: CheckoutSessionCreatedDto })
  @ApiErrors(400, 401, 404, 409, 429, 503)
  createSubscriptionCheckout(@CurrentUser() user: AuthUser, @Body() dto: CreateCheckoutSessionDto) {
    return this.checkout.createSubscriptionCheckout(user.id, dto);
  }

  @RequiresScope('checkout:create')
  @Post('create-checkout-session-onetime')
  @HttpCode(200)
  @ThrottleTier('checkout')
  @ApiOperation({
    summary: 'Start a Stripe Checkout for a credit package (one-time payment, promotion codes allowed)',
    description:
      'Credits are granted once the payment succeeds. CURRENCY_MISMATCH (409); UNSUPPORTED_CURRENCY (400).',
  })
  @ApiOkResponse({ type: CheckoutSessionCreatedDto })
  @ApiErrors(400, 401, 404, 409, 429, 503)
  createPackageCheckout(@CurrentUser() user: AuthUser, @Body() dto: CreateCheckoutSessionDto) {
    return this.checkout.createPackageCheckout(user.id, dto);
  }

  @RequiresScope('checkout:create')
  @Get('checkout-session/:session_id')
  @ApiOperation({
    summary: 'Your checkout session: applies it if paid (same as the webhook) and reports the result',
    description: 'For the success page. CHECKOUT_SESSION_NOT_FOUND (404) for a session that is not yours.',
  })
  @ApiOkResponse({ type: CheckoutSessionStatusDto })
  @ApiErrors(401, 404, 503)
  checkoutSession(@CurrentUser() user: AuthUser, @Param('session_id') sessionId: string) {
    return this.checkout.status(user.id, sessionId);
  }

  @RequiresScope('subscription:read')
  @Get('get-user-subscription')
  @ApiOperation({
    summary: 'Your live subscription with its plan, billing dates and credits',
    description: 'Without one: 200 `{has_subscription: false, subscription: null, credits}`.',
  })
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(UserSubscriptionDto) }, { $ref: getSchemaPath(NoSubscriptionDto) }],
    },
  })
  @ApiErrors(401)
  getUserSubscription(@CurrentUser() user: AuthUser): Promise<SubscriptionAnswer> {
    return this.subscriptions.describe(user.id);
  }

  @RequiresScope('subscription:write')
  @Delete('cancel-subscription')
  @ApiOperation({
    summary: 'Cancel at the end of the current period (never immediately); repeating it changes nothing',
  })
  @ApiOkResponse({ type: UserSubscriptionDto })
  @ApiErrors(401, 404, 503)
  cancelSubscription(@CurrentUser() user: AuthUser) {
    return this.subscriptions.cancel(user.id);
  }

  @RequiresScope('subscription:write')
  @Post('resume-subscription')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a pending cancellation; repeating it changes nothing' })
  @ApiOkResponse({ type: UserSubscriptionDto })
  @ApiErrors(401, 404, 503)
  resumeSubscription(@CurrentUser() user: AuthUser) {
    return this.subscriptions.resume(user.id);
  }

  @RequiresScope('subscription:read')
  @Get('change-plan/preview')
  @ApiOperation({
    summary: 'What changing to this plan would bill (prorated), in minor units — nothing changes',
  })
  @ApiOkResponse({ type: ChangePlanPreviewDto })
  @ApiErrors(400, 401, 404, 409, 503)
  previewChangePlan(@CurrentUser() user: AuthUser, @Query() query: ChangePlanDto) {
    return this.subscriptions.previewChange(user.id, query.price_id);
  }

  @RequiresScope('subscription:write')
  @Post('change-plan')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Switch your subscription to another plan, prorating the rest of the period',
    description:
      'SAME_PLAN (409) for your current price; PRICE_NOT_FOUND (404) for a price that is not a plan for sale.',
  })
  @ApiOkResponse({ type: UserSubscriptionDto })
  @ApiErrors(400, 401, 402, 404, 409, 503)
  changePlan(@CurrentUser() user: AuthUser, @Body() dto: ChangePlanDto) {
    return this.subscriptions.changePlan(user.id, dto.price_id);
  }

  @RequiresScope('subscription:read')
  @Get('invoices')
  @ApiOperation({ summary: 'Your invoices, newest first (empty until your first purchase)' })
  @ApiOkResponse({ type: InvoicesResponseDto })
  @ApiErrors(400, 401, 503)
  listInvoices(@CurrentUser() user: AuthUser, @Query() query: InvoicesQueryDto) {
    return this.invoices.list(user.id, query);
  }

  @RequiresScope('subscription:write')
  @Get('create-billing-portal-session')
  @ApiOperation({
    summary: 'A Stripe billing portal session for your own billing account',
    description: 'CUSTOMER_NOT_FOUND (404) before your first purchase.',
  })
  @ApiOkResponse({ type: BillingPortalSessionDto })
  @ApiErrors(401, 404, 503)
  createBillingPortalSession(@CurrentUser() user: AuthUser) {
    return this.customers.createPortalSession(user.id);
  }

  @RequiresScope('subscription:read')
  @Get('payment-method')
  @ApiOperation({
    summary: 'Your saved card (brand, last 4 digits, expiry), the one off-session payments (auto top-up) use',
    description:
      'PAYMENT_METHOD_NOT_FOUND (404) until a purchase or POST /payments/payment-method/setup saves one.',
  })
  @ApiOkResponse({ type: PaymentMethodDto })
  @ApiErrors(401, 404, 503)
  paymentMethod(@CurrentUser() user: AuthUser) {
    return this.paymentMethods.describe(user.id);
  }

  @RequiresScope('checkout:create')
  @Post('payment-method/setup')
  @HttpCode(200)
  @ThrottleTier('checkout')
  @ApiOperation({
    summary: 'Start a Stripe Checkout in setup mode: save a card for later, charge nothing',
    description: 'Once completed, the card is your default for off-session payments.',
  })
  @ApiOkResponse({ type: CheckoutSessionCreatedDto })
  @ApiErrors(401, 429, 503)
  setupPaymentMethod(@CurrentUser() user: AuthUser) {
    return this.paymentMethods.createSetupCheckout(user.id);
  }

  @RequiresScope('subscription:write')
  @Delete('payment-method')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove your saved cards (detached from your Stripe customer)',
    description:
      'PAYMENT_METHOD_NOT_FOUND (404) when there is none. A live subscription then has no card to renew with.',
  })
  @ApiNoContentResponse()
  @ApiErrors(401, 404, 503)
  removePaymentMethod(@CurrentUser() user: AuthUser): Promise<void> {
    return this.paymentMethods.remove(user.id);
  }

  @RequiresScope('subscription:read')
  @Get('billing-details')
  @ApiOperation({
    summary: 'Your billing name, address and tax IDs (what invoices and tax use)',
    description:
      'Empty (`{name: null, address: null, tax_ids: []}`) until you set them or a checkout collects them.',
  })
  @ApiOkResponse({ type: BillingDetailsResponseDto })
  @ApiErrors(401)
  getBillingDetails(@CurrentUser() user: AuthUser) {
    return this.billingDetails.get(user.id);
  }

  @RequiresScope('subscription:write')
  @Put('billing-details')
  @ApiOperation({
    summary: 'Replace your billing name, address and tax IDs (stored on your Stripe customer)',
    description:
      'Creates your Stripe customer if you have none yet. ADDRESS_COUNTRY_REQUIRED (400) for an address without a ' +
      'country; TAX_ID_TYPE_UNSUPPORTED (400, adds `allowed`) and TAX_ID_INVALID (400) are checked before Stripe ' +
      'sees the value; BILLING_ADDRESS_REQUIRED (422) when Stripe Tax cannot locate the address. Nothing changes on an error.',
  })
  @ApiOkResponse({ type: BillingDetailsResponseDto })
  @ApiErrors(400, 401, 422, 503)
  putBillingDetails(@CurrentUser() user: AuthUser, @Body() dto: BillingDetailsDto) {
    return this.billingDetails.put(user.id, dto);
  }
}
