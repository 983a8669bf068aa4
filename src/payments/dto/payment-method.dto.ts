import { ApiProperty } from '@nestjs/swagger';

/** A saved card as the API shows it: never the number. */
export class PaymentMethodDto {
  @ApiProperty({ example: 'pm_1Q2w3E4r5T6y' })
  id: string;

  @ApiProperty({ example: 'visa' })
  brand: string;

  @ApiProperty({ example: '4242' })
  last4: string;

  @ApiProperty({ example: 12 })
  exp_month: number;

  @ApiProperty({ example: 2029 })
  exp_year: number;
}
