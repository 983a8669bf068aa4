import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiResponse } from '@nestjs/swagger';
import type { AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { FEATURE_KEY_RE } from '../plans/plan-features';
import { EntitlementsService } from './entitlements.service';

const FEATURE_KEY = 'requiresFeature';

/**
 * Runs after authentication (the global guards): the route's feature must be in the caller's entitlements (a
 * flag that is true, a limit above zero), else 403 FEATURE_NOT_ENTITLED naming the plan that would grant it.
 */
@Injectable()
export class RequiresFeatureGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly entitlements: EntitlementsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const feature = this.reflector.get<string>(FEATURE_KEY, context.getHandler());
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw new AppError(ErrorCode.AuthTokenMissing);
    await this.entitlements.require(user.id, feature);
    return true;
  }
}

/** Only callers whose plan includes `feature` reach the route (import EntitlementsModule where it is used). */
export const RequiresFeature = (feature: string) => {
  if (!FEATURE_KEY_RE.test(feature)) throw new Error(`@RequiresFeature: "${feature}" is not a feature key`);
  return applyDecorators(
    SetMetadata(FEATURE_KEY, feature),
    UseGuards(RequiresFeatureGuard),
    ApiResponse({
      status: 403,
      type: ErrorResponseDto,
      description: `FEATURE_NOT_ENTITLED: the caller's plan does not include ${feature}; the body names the feature, current_plan and required_plan (the plan that would grant it, or null).`,
    }),
  );
};
