import { parseWebhookPayload } from './webhook-payload';

const parse = (text: string) => parseWebhookPayload(Buffer.from(text));

describe('parseWebhookPayload', () => {
  it('accepts an event with an id and a type', () => {
    expect(parse('{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{}}}')).toEqual({
      event: { id: 'evt_1', type: 'invoice.paid', created: 1, data: { object: {} } },
    });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"type":"x"}', 'no id'],
    ['{"id":"","type":"x"}', 'no id'],
    ['{"id":"evt_1"}', 'no type'],
    ['{"id":7,"type":"x"}', 'no id'],
    [JSON.stringify({ id: 'e'.repeat(256), type: 'x' }), 'id longer than 255 characters'],
    [JSON.stringify({ id: 'evt_1', type: 't'.repeat(129) }), 'type longer than 128 characters'],
    ['{"id":"evt_1","type":"x","created":1,"data":{"object":{"name":"a\\u0000b"}}}', 'contains a NUL'],
    ['{"id":"evt_1","type":"x","created":1,"data":{"a\\u0000":1}}', 'contains a NUL'],
    ['{"id":"evt_1","type":"x","d":' + '['.repeat(200) + ']'.repeat(200) + '}', 'nested deeper'],
    ['{"id":"evt_1","type":"x"}', 'no created timestamp'],
    ['{"id":"evt_1","type":"x","created":"yesterday"}', 'no created timestamp'],
    ['{"id":"evt_1","type":"x","created":1e300}', 'no created timestamp'],
    [
      JSON.stringify({ id: 'evt_1', type: 'x', created: 1, api_version: 'v'.repeat(65) }),
      'api_version longer',
    ],
    ['{"id":"evt_1","type":"x","created":1,"api_version":["2025"]}', 'api_version is not a string'],
    ['{"id":"evt_1","type":"x","created":1,"data":{"object":{"name":"\\udc00"}}}', 'lone UTF-16 surrogate'],
    ['{"id":"evt_1","type":"x","created":1,"data":{"\\ud800":1}}', 'lone UTF-16 surrogate'],
    ['{"id":"evt_1","type":"x","created":1,"data":{"object":{"currency":"euro"}}}', 'currency longer than 3'],
    [
      '{"id":"evt_1","type":"x","created":1,"data":{"object":{"mode":"' + 'm'.repeat(17) + '"}}}',
      'mode longer',
    ],
  ])('refuses %s as %s', (text, problem) => {
    const result = parse(text);
    expect('problem' in result && result.problem).toContain(problem);
  });

  it('accepts an api_version of 64 characters, a null one, and a surrogate pair (an emoji) written as escapes', () => {
    expect(
      parse(JSON.stringify({ id: 'e', type: 'x', created: 1, api_version: 'v'.repeat(64) })),
    ).toHaveProperty('event');
    expect(parse('{"id":"e","type":"x","created":1,"api_version":null}')).toHaveProperty('event');
    expect(parse('{"id":"e","type":"x","created":1,"n":"\\ud83d\\ude00"}')).toHaveProperty('event');
  });

  it('keeps a literal backslash-u0000 text, which is not a NUL', () => {
    expect(parse('{"id":"evt_1","type":"x","created":1,"note":"\\\\u0000"}')).toHaveProperty('event');
  });
});
