import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { TaxIdViewDto } from './billing-details.dto';
import { TaxLineDto } from './tax.dto';

export class InvoicesQueryDto {
  @ApiPropertyOptional({ example: 20, default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({
    example: 'in_1PqR2s',
    description: 'Page on: the last invoice id of the previous page.',
  })
  @IsOptional()
  @Matches(/^in_[A-Za-z0-9_]{1,250}$/, {
    message: 'starting_after must be an invoice id (starting with in_)',
  })
  starting_after?: string;
}

export class InvoiceLineDto {
  @ApiProperty({ example: 'il_1a2b' })
  id: string;

  @ApiProperty({ example: '600 × Business Plan (at $0.0002 / month)', nullable: true })
  description: string | null;

  @ApiProperty({ example: 600, nullable: true, description: 'Units: 1 for a plan, the credits for overage.' })
  quantity: number | null;

  @ApiProperty({ example: 12, description: 'Integer minor units, before discount and tax.' })
  amount: number;

  @ApiProperty({ example: 'price_1a2b', nullable: true })
  price_id: string | null;

  @ApiProperty({
    example: true,
    description:
      "The line bills a plan's overage: the period's credits past the allowance, from Stripe's meter.",
  })
  overage: boolean;

  @ApiProperty({ example: '2026-11-28T10:00:00.000Z' })
  period_start: string;

  @ApiProperty({ example: '2026-12-28T10:00:00.000Z' })
  period_end: string;
}

export class InvoiceDto {
  @ApiProperty({ example: 'in_1PqR2s' })
  id: string;

  @ApiProperty({ example: 'A1B2C3-0001', nullable: true })
  number: string | null;

  @ApiProperty({ example: 'paid', enum: ['draft', 'open', 'paid', 'uncollectible', 'void'], nullable: true })
  status: string | null;

  @ApiProperty({ example: 'subscription_cycle', nullable: true })
  billing_reason: string | null;

  @ApiProperty({ example: 2999, description: 'Integer minor units.' })
  amount_due: number;

  @ApiProperty({ example: 2999, description: 'Integer minor units.' })
  amount_paid: number;

  @ApiProperty({ example: 'usd' })
  currency: string;

  @ApiProperty({ example: '2026-11-28T10:00:00.000Z' })
  created: string;

  @ApiProperty({ example: 'https://invoice.stripe.com/i/acct_x/test_y', nullable: true })
  hosted_invoice_url: string | null;

  @ApiProperty({ example: 'https://pay.stripe.com/invoice/acct_x/test_y/pdf', nullable: true })
  invoice_pdf: string | null;

  @ApiProperty({ example: '2026-11-28T10:00:00.000Z' })
  period_start: string;

  @ApiProperty({ example: '2026-12-28T10:00:00.000Z' })
  period_end: string;

  @ApiProperty({
    example: 2999,
    description: 'Before discount and tax (inclusive prices include their tax).',
  })
  subtotal: number;

  @ApiProperty({
    example: 570,
    description: 'All tax on the invoice (inclusive and exclusive), minor units.',
  })
  tax: number;

  @ApiProperty({ example: 3569, description: 'After discount, with exclusive tax added.' })
  total: number;

  @ApiProperty({ type: [TaxLineDto], description: 'The tax per rate (empty when untaxed).' })
  taxes: TaxLineDto[];

  @ApiProperty({
    type: [TaxIdViewDto],
    description: "The customer's tax IDs printed on the invoice (business customers).",
  })
  customer_tax_ids: TaxIdViewDto[];

  @ApiProperty({
    type: [InvoiceLineDto],
    description:
      'The lines Stripe lists with the invoice (its first page, up to 10): the plan, proration, overage, a pack.',
  })
  lines: InvoiceLineDto[];
}

export class InvoicesResponseDto {
  @ApiProperty({ type: [InvoiceDto], description: 'Newest first.' })
  invoices: InvoiceDto[];

  @ApiProperty({ example: false, description: 'More invoices exist: ask again with starting_after.' })
  has_more: boolean;
}

export class BillingPortalSessionDto {
  @ApiProperty({ example: 'https://billing.stripe.com/p/session/test_a1b2c3' })
  url: string;
}
