import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CurrentUser, RequiresScope, type AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/swagger';
import { ConsumesCredits } from '../credits/consumes-credits.decorator';
import { CreditsService } from '../credits/credits.service';

export class CreatePostDto {
  @ApiProperty({ example: 'Hello world' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  @ApiProperty({
    example: false,
    required: false,
    description: 'Demo only: make the action fail after charging.',
  })
  @IsOptional()
  @IsBoolean()
  simulate_failure?: boolean;
}

/**
 * The spec's create-post example, done safely: @ConsumesCredits(1) charges one credit atomically before the
 * handler runs and refunds it if the handler fails.
 */
@ApiTags('examples')
@ApiBearerAuth()
@Controller('examples')
export class PostsController {
  constructor(private readonly credits: CreditsService) {}

  @RequiresScope('credits:consume')
  @Post('posts')
  @ConsumesCredits(1)
  @ApiOperation({ summary: 'Example route that costs one credit (the spec’s /create-post)' })
  @ApiCreatedResponse({
    schema: {
      example: { message: 'Post created successfully', title: 'Hello world', credits_remaining: 99 },
    },
  })
  @ApiErrors(400, 401, 409)
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreatePostDto) {
    if (dto.simulate_failure)
      throw new AppError(ErrorCode.ServiceUnavailable, 'The post could not be saved.');
    const { total_credits } = await this.credits.breakdown(user.id);
    return { message: 'Post created successfully', title: dto.title, credits_remaining: total_credits };
  }
}
