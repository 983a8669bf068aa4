import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class AddressDto {
  @ApiPropertyOptional({ example: 'Unter den Linden 1', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  line1?: string | null;

  @ApiPropertyOptional({ example: null, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  line2?: string | null;

  @ApiPropertyOptional({ example: 'Berlin', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  city?: string | null;

  @ApiPropertyOptional({
    example: null,
    nullable: true,
    description: 'US: the two-letter state, needed for tax.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  state?: string | null;

  @ApiPropertyOptional({ example: '10115', nullable: true, description: 'US: the ZIP code, needed for tax.' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  postal_code?: string | null;

  @ApiProperty({
    example: 'DE',
    description: 'ISO 3166-1 alpha-2. Required: ADDRESS_COUNTRY_REQUIRED (400) without it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2)
  country?: string | null;
}

export class TaxIdDto {
  @ApiProperty({
    example: 'eu_vat',
    enum: ['eu_vat', 'gb_vat', 'ch_vat', 'no_vat', 'us_ein', 'ca_bn', 'au_abn', 'nz_gst'],
  })
  @IsString()
  @MaxLength(20)
  type: string;

  @ApiProperty({ example: 'DE123456789' })
  @IsString()
  @MaxLength(64)
  value: string;
}

/** PUT body: replaces the whole set (omitted fields are cleared). */
export class BillingDetailsDto {
  @ApiPropertyOptional({ example: 'Erika Mustermann GmbH', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string | null;

  @ApiPropertyOptional({ type: AddressDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto | null;

  @ApiPropertyOptional({ type: [TaxIdDto], maxItems: 5 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => TaxIdDto)
  tax_ids?: TaxIdDto[];
}

export class AddressViewDto {
  @ApiProperty({ example: 'Unter den Linden 1', nullable: true }) line1: string | null;
  @ApiProperty({ example: null, nullable: true }) line2: string | null;
  @ApiProperty({ example: 'Berlin', nullable: true }) city: string | null;
  @ApiProperty({ example: null, nullable: true }) state: string | null;
  @ApiProperty({ example: '10115', nullable: true }) postal_code: string | null;
  @ApiProperty({ example: 'DE' }) country: string;
}

export class TaxIdViewDto {
  @ApiProperty({ example: 'eu_vat' }) type: string;
  @ApiProperty({ example: 'DE123456789' }) value: string;
}

export class BillingDetailsResponseDto {
  @ApiProperty({ example: 'Erika Mustermann GmbH', nullable: true })
  name: string | null;

  @ApiProperty({ type: AddressViewDto, nullable: true })
  address: AddressViewDto | null;

  @ApiProperty({ type: [TaxIdViewDto] })
  tax_ids: TaxIdViewDto[];
}
