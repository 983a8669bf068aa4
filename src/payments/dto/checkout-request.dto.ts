import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const PRICE_ID_PATTERN = /^price_[A-Za-z0-9_]{1,250}$/;
export const PRODUCT_ID_PATTERN = /^prod_[A-Za-z0-9_]{1,250}$/;
export const PRICE_ID_MESSAGE = 'price_id must be a Stripe price id (starting with price_)';
const PRODUCT_ID_MESSAGE = 'product_id must be a Stripe product id (starting with prod_)';

/** `POST /payments/create-checkout-session` and `…-onetime`: what to buy, as listed by GET /payments/products. */
export class CreateCheckoutSessionDto {
  @ApiProperty({ example: 'price_def456', description: 'The price id from GET /payments/products.' })
  @IsString({ message: PRICE_ID_MESSAGE })
  @Matches(PRICE_ID_PATTERN, { message: PRICE_ID_MESSAGE })
  price_id: string;

  @ApiProperty({ example: 'prod_abc123', description: 'The product the price belongs to.' })
  @IsString({ message: PRODUCT_ID_MESSAGE })
  @Matches(PRODUCT_ID_PATTERN, { message: PRODUCT_ID_MESSAGE })
  product_id: string;

  @ApiPropertyOptional({
    example: 'eur',
    description:
      "ISO currency to pay in (case-insensitive): the price's base currency or one of its currency options. " +
      'Default: the currency of your earlier purchases when the price supports it, else the base currency.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8)
  currency?: string;
}

export class CheckoutSessionCreatedDto {
  @ApiProperty({
    example: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3',
    description: "Stripe's hosted checkout page: redirect the browser here.",
  })
  checkout_url: string;

  @ApiProperty({ example: 'cs_test_a1b2c3' })
  session_id: string;
}
