import { ApiProperty } from '@nestjs/swagger';

/** One tax rate's share of a total (integer minor units of the document's currency). */
export class TaxLineDto {
  @ApiProperty({ example: 'txr_1QaBcD', nullable: true, description: "Stripe's tax rate id." })
  tax_rate_id: string | null;

  @ApiProperty({ example: 'VAT', nullable: true })
  display_name: string | null;

  @ApiProperty({ example: 19, nullable: true, description: 'Percent, e.g. 19 or 7.25.' })
  percentage: number | null;

  @ApiProperty({ example: 'DE', nullable: true })
  country: string | null;

  @ApiProperty({ example: null, nullable: true, description: 'US state, else null.' })
  state: string | null;

  @ApiProperty({ example: 'exclusive', enum: ['exclusive', 'inclusive'], nullable: true })
  tax_behavior: string | null;

  @ApiProperty({ example: 1999, description: 'The amount the rate applied to.' })
  taxable_amount: number;

  @ApiProperty({ example: 380 })
  amount: number;
}

/** A checkout's money: what was charged, split into subtotal, discount and tax. */
export class CheckoutAmountsDto {
  @ApiProperty({ example: 'eur' })
  currency: string;

  @ApiProperty({
    example: 1999,
    description: 'Before discount and tax (an inclusive price includes its tax).',
  })
  subtotal: number;

  @ApiProperty({ example: 0 })
  discount: number;

  @ApiProperty({ example: 380, description: 'All tax, inclusive and exclusive.' })
  tax: number;

  @ApiProperty({ example: 2379, description: 'What the customer pays (exclusive tax added).' })
  total: number;

  @ApiProperty({
    example: 'complete',
    enum: ['complete', 'requires_location_inputs', 'failed'],
    nullable: true,
    description:
      'Stripe Tax: `requires_location_inputs` until the customer gives an address; null when tax is off.',
  })
  tax_status: string | null;

  @ApiProperty({ type: [TaxLineDto], description: 'Per tax rate.' })
  taxes: TaxLineDto[];
}
