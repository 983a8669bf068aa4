import { ApiProperty } from '@nestjs/swagger';

export class EntitlementPlanDto {
  @ApiProperty({
    example: 'tollgate_pro_monthly',
    nullable: true,
    description: "The plan's price lookup key.",
  })
  lookup_key: string | null;

  @ApiProperty({ example: 'Pro Plan', nullable: true })
  name: string | null;
}

export class EntitlementFeatureDto {
  @ApiProperty({
    example: 'api_access',
    description: 'The feature key (also its Stripe Entitlements lookup key).',
  })
  key: string;

  @ApiProperty({
    oneOf: [{ type: 'boolean' }, { type: 'integer', minimum: 0 }],
    example: true,
    description: 'A flag (true/false) or a numeric limit (e.g. 10 projects).',
  })
  value: boolean | number;

  @ApiProperty({
    example: 'tollgate_pro_monthly',
    nullable: true,
    description: 'The plan the value comes from.',
  })
  plan_lookup_key: string | null;
}

/** `GET /entitlements`: what the user may do now and which plan says so. */
export class EntitlementsDto {
  @ApiProperty({
    example: 'subscription',
    enum: ['subscription', 'free_plan', 'none'],
    description:
      "subscription: the plan of a subscription with access; free_plan: the catalog's free plan; none.",
  })
  source: 'subscription' | 'free_plan' | 'none';

  @ApiProperty({ type: EntitlementPlanDto, nullable: true })
  plan: EntitlementPlanDto | null;

  @ApiProperty({ example: 'sub_1PqR2s', nullable: true, description: 'The live subscription, if any.' })
  subscription_id: string | null;

  @ApiProperty({ example: 'active', nullable: true })
  subscription_status: string | null;

  @ApiProperty({
    example: null,
    nullable: true,
    description: "past_due: when the grace period ends (then the free plan's features apply).",
  })
  access_until: string | null;

  @ApiProperty({ type: [EntitlementFeatureDto] })
  features: EntitlementFeatureDto[];
}

/** `POST /examples/api-calls`: the example route behind @RequiresFeature('api_access'). */
export class ApiCallResultDto {
  @ApiProperty({ example: 'API call accepted' })
  message: string;

  @ApiProperty({ example: '5b0e0a8e-6f0c-4f7d-9a51-0c3c2f0b8d11' })
  user_id: string;

  @ApiProperty({ example: 'api_access' })
  feature: string;
}
