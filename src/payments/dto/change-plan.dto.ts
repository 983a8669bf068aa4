import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { PRICE_ID_MESSAGE, PRICE_ID_PATTERN } from './checkout-request.dto';

/** `POST /payments/change-plan` body and `GET /payments/change-plan/preview` query. */
export class ChangePlanDto {
  @ApiProperty({ example: 'price_business_monthly', description: 'The price of the plan to switch to.' })
  @IsString({ message: PRICE_ID_MESSAGE })
  @Matches(PRICE_ID_PATTERN, { message: PRICE_ID_MESSAGE })
  price_id: string;
}

export class PreviewLineDto {
  @ApiProperty({ example: 'Unused time on Pro Plan after 28 Nov 2026', nullable: true })
  description: string | null;

  @ApiProperty({ example: -1450, description: 'Integer minor units; negative for a credit.' })
  amount: number;

  @ApiProperty({ example: true })
  proration: boolean;

  @ApiProperty({ example: '2026-11-28T10:00:00.000Z' })
  period_start: string;

  @ApiProperty({ example: '2026-12-28T10:00:00.000Z' })
  period_end: string;
}

export class ChangePlanPreviewDto {
  @ApiProperty({ example: 10450, description: 'What the next invoice will ask for, in minor units.' })
  amount_due: number;

  @ApiProperty({ example: 'usd' })
  currency: string;

  @ApiProperty({
    example: 2450,
    description: 'Net of the proration lines (credit for unused time + new plan), minor units.',
  })
  proration_amount: number;

  @ApiProperty({ type: [PreviewLineDto] })
  lines: PreviewLineDto[];
}
