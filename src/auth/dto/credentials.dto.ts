import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsNormalizedEmail } from '../../common/decorators/email.decorator';

export class CredentialsDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsNormalizedEmail()
  email: string;

  @ApiProperty({ example: 'correct horse battery staple', minLength: 8 })
  @IsString()
  @MinLength(8, { message: 'password must be at least 8 characters' })
  @MaxLength(256)
  password: string;
}
