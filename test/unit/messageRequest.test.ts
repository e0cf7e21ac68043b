import { sendMessageSchema } from '../../src/contracts/messageRequest';
import { parseMailbox } from '../../src/messages/address';

const valid = { from: 'no-reply@acme.test', recipient: 'user@example.test', subject: 'Hi', text: 'Hello' };

function fieldsOf(input: unknown): string[] {
  const result = sendMessageSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) =>
    i.code === 'unrecognized_keys' ? i.keys.join(',') : i.path.join('.'),
  );
}

describe('the send request schema', () => {
  it('accepts a minimal message and fills defaults', () => {
    const parsed = sendMessageSchema.parse(valid);
    expect(parsed).toMatchObject({
      message_type: 'transactional',
      priority: 'normal',
      tags: [],
      metadata: {},
    });
  });

  it('accepts a name-addr sender and the to alias', () => {
    expect(
      fieldsOf({ ...valid, from: '"Acme, Inc." <no-reply@acme.test>', recipient: undefined, to: 'a@b.test' }),
    ).toEqual([]);
  });

  it('requires a recipient, a body and a subject unless a template supplies them', () => {
    expect(fieldsOf({ from: valid.from })).toEqual(['recipient', 'html', 'subject']);
    expect(fieldsOf({ from: valid.from, recipient: valid.recipient, template: 'otp-code' })).toEqual([]);
  });

  it('rejects bad addresses, unknown fields and wrong types', () => {
    expect(fieldsOf({ ...valid, from: 'acme.test' })).toEqual(['from']);
    expect(fieldsOf({ ...valid, recipient: 'a@b' })).toEqual(['recipient']);
    expect(fieldsOf({ ...valid, recipient: 'a@b.test, c@d.test' })).toEqual(['recipient']);
    expect(fieldsOf({ ...valid, recipent: 'typo@x.test' })).toEqual(['recipent']);
    expect(fieldsOf({ ...valid, tags: 'one' })).toEqual(['tags']);
    expect(fieldsOf({ ...valid, priority: 'urgent' })).toEqual(['priority']);
  });

  it('rejects header injection and headers the engine owns', () => {
    expect(fieldsOf({ ...valid, subject: 'Hi\r\nBcc: victim@x.test' })).toEqual(['subject']);
    expect(fieldsOf({ ...valid, headers: { 'X-Ok': 'fine\nBcc: x@y.test' } })).toEqual(['headers.X-Ok']);
    expect(fieldsOf({ ...valid, headers: { Bcc: 'x@y.test' } })).toEqual(['headers.Bcc']);
    expect(fieldsOf({ ...valid, headers: { 'Bad Name': 'v' } })).toEqual(['headers.Bad Name']);
    expect(fieldsOf({ ...valid, headers: { 'X-Entity-Ref-ID': 'abc' } })).toEqual([]);
  });

  it('requires scheduled_time to be an ISO 8601 timestamp', () => {
    expect(fieldsOf({ ...valid, scheduled_time: 'tomorrow' })).toEqual(['scheduled_time']);
    expect(fieldsOf({ ...valid, scheduled_time: '2030-01-01T09:00:00Z' })).toEqual([]);
  });
});

describe('mailbox parsing', () => {
  it('separates display name and address', () => {
    expect(parseMailbox('"Ada L." <ada@example.test>')).toEqual({
      name: 'Ada L.',
      address: 'ada@example.test',
    });
    expect(parseMailbox('ada@example.test')).toEqual({ address: 'ada@example.test' });
    expect(parseMailbox('Ada <ada@example.test>\r\nBcc: x@y.test')).toBeNull();
  });

  it('takes UTF-8 local parts (SMTPUTF8) but no control characters or non-ASCII domains', () => {
    expect(parseMailbox('jürgen@example.test')).toEqual({ address: 'jürgen@example.test' });
    expect(parseMailbox('a\u0085b@example.test')).toBeNull();
    expect(parseMailbox('ada@köln.test')).toBeNull();
  });
});
