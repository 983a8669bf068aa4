import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors';
import { UsersService } from './users.service';

/** The same bounds as an external id (`PUT /users/{external_id}`): 1–255 printable characters. */
const REF = /^[\x21-\x7e]{1,255}$/;

/**
 * `@Param('ref', UserRefPipe)`: every admin route that names a user takes Tollgate's id or the host's external id
 * and gets the user's Tollgate id. 400 VALIDATION_FAILED for a malformed reference, 404 USER_NOT_FOUND, 409
 * CONFLICT when the reference names two different users (see UsersService.resolveRef).
 */
@Injectable()
export class UserRefPipe implements PipeTransform<string, Promise<string>> {
  constructor(private readonly users: UsersService) {}

  async transform(ref: string): Promise<string> {
    if (typeof ref !== 'string' || !REF.test(ref)) {
      throw new AppError(
        ErrorCode.ValidationFailed,
        'A user reference is a Tollgate id or an external id (1–255 printable characters).',
      );
    }
    return (await this.users.resolveRef(ref)).id;
  }
}
