import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const IS_PUBLIC_KEY = 'isPublic';
/** Marks a route as callable without a bearer token. Every other route requires one. */
export const Public = () =>
  // x-public: the OpenAPI document gives the operation `security: []` (see common/openapi.ts).
  applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), ApiExtension('x-public', true));
