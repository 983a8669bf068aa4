import { ConnectionIsNotSetError, QueryFailedError } from 'typeorm';
import { isDatabaseOutage, isUnstorableInput } from './database-outage';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseOutage', () => {
  it.each([
    ['ECONNREFUSED', withCode('ECONNREFUSED')],
    ['a refused dual-stack connect', new AggregateError([withCode('ECONNREFUSED')])],
    ['pool acquisition timeout', new Error('timeout exceeded when trying to connect')],
    ['socket closed mid-query', new Error('Connection terminated unexpectedly')],
    ['57P01 admin shutdown', queryFailed(withCode('57P01'))],
    ['08006 connection failure', queryFailed(withCode('08006'))],
    ['08P01 protocol violation', withCode('08P01')],
    ['57014 statement timeout', queryFailed(withCode('57014'))],
    ['53300 too many connections', withCode('53300')],
    ['a DataSource never connected', new ConnectionIsNotSetError('postgres')],
    ['a destroyed DataSource', new Error('Driver not Connected')],
  ])('counts %s as an outage', (_name, err) => {
    expect(isDatabaseOutage(err)).toBe(true);
  });

  it.each([
    ['a unique violation', queryFailed(withCode('23505'))],
    ['a check violation', queryFailed(withCode('23514'))],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
  ])('does not count %s', (_name, err) => {
    expect(isDatabaseOutage(err)).toBe(false);
  });
});

describe('isUnstorableInput', () => {
  it('counts a NUL in text (22021) or jsonb (22P05), nothing else', () => {
    expect(isUnstorableInput(queryFailed(withCode('22021')))).toBe(true);
    expect(isUnstorableInput(queryFailed(withCode('22P05')))).toBe(true);
    expect(isUnstorableInput(queryFailed(withCode('23505')))).toBe(false);
    expect(isUnstorableInput(withCode('22021'))).toBe(false);
  });
});
