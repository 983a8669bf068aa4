import { ApiProperty } from '@nestjs/swagger';

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI…' })
  access_token: string;

  @ApiProperty({ example: 'bearer' })
  token_type: 'bearer';

  @ApiProperty({ example: 3600, description: 'Seconds until the token expires.' })
  expires_in: number;
}

export class MeResponseDto {
  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' })
  id: string;

  @ApiProperty({ example: 'ada@example.com', nullable: true })
  email: string | null;

  @ApiProperty({ example: 'user', enum: ['user', 'admin', 'support'] })
  role: string;

  @ApiProperty({
    example: 'user_2abc',
    nullable: true,
    description: "The host's id; null for a local account.",
  })
  external_id: string | null;

  @ApiProperty({ example: 'cus_Q1w2e3', nullable: true })
  customer_id: string | null;

  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' })
  created_at: string;
}
