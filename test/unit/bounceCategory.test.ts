import { bounceCategory } from '../../src/delivery/bounceCategory';

describe('bounce categories', () => {
  it.each([
    [
      { code: 550, enhanced_code: '5.1.1', response: '550 5.1.1 <a@b.test>: Recipient address rejected' },
      'unknown_user',
    ],
    [{ code: 552, enhanced_code: '5.2.2', response: '552 5.2.2 Mailbox full' }, 'mailbox_full'],
    [
      { code: 452, enhanced_code: '4.2.2', response: '452 4.2.2 The email account is over quota' },
      'mailbox_full',
    ],
    [{ code: 550, enhanced_code: '5.7.1', response: '550 5.7.1 Message rejected as spam' }, 'policy'],
    [{ code: 556, enhanced_code: '5.1.10', response: '556 5.1.10 null MX' }, 'bad_domain'],
    [
      { code: 552, enhanced_code: '5.3.4', response: '552 5.3.4 Message size exceeds fixed limit' },
      'message_too_large',
    ],
    [
      { code: 550, enhanced_code: '5.2.1', response: '550 5.2.1 The email account is disabled' },
      'mailbox_disabled',
    ],
  ])('reads the enhanced status code first: %j → %s', (smtp, category) => {
    expect(bounceCategory(smtp)).toBe(category);
  });

  it.each([
    [{ code: 550, enhanced_code: '5.0.0', response: '550 5.0.0 No such user here' }, 'unknown_user'],
    [{ code: 550, response: '550 Requested action not taken: mailbox unavailable' }, 'unknown_user'],
    [{ code: 554, response: '554 Your IP is listed on a blocklist (RBL)' }, 'policy'],
    [
      { code: 552, response: '552 Requested mail action aborted: exceeded storage allocation; mailbox full' },
      'mailbox_full',
    ],
    [{ code: 550, response: '550 Something went wrong' }, 'other'],
  ])('falls back to the provider text: %j → %s', (smtp, category) => {
    expect(bounceCategory(smtp)).toBe(category);
  });

  it('calls a failure without any SMTP answer unreachable', () => {
    expect(bounceCategory({ response: 'connect ECONNREFUSED 127.0.0.1:1' })).toBe('unreachable');
  });
});
