import { classifyFailure, classifySuccess, parseEnhancedCode } from '../../src/delivery/smtpOutcome';

describe('SMTP outcome classification', () => {
  it('treats a 2xx as delivered and keeps code, enhanced code and queue id', () => {
    expect(classifySuccess('250 2.0.0 Ok: queued as 4ABC12', 'mx.test:25')).toEqual({
      kind: 'delivered',
      smtp: {
        code: 250,
        enhanced_code: '2.0.0',
        response: '250 2.0.0 Ok: queued as 4ABC12',
        remote_mta: 'mx.test:25',
        queue_id: '4ABC12',
      },
    });
  });

  it('defers on 4xx replies and on connection-level failures', () => {
    expect(classifyFailure({ responseCode: 451, response: '451 4.7.1 Greylisted' }, 'mx:25')).toMatchObject({
      kind: 'deferred',
      smtp: { code: 451, enhanced_code: '4.7.1' },
    });
    expect(classifyFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }, 'mx:25')).toMatchObject({
      kind: 'deferred',
      smtp: { error_code: 'ECONNECTION', response: 'connect ECONNREFUSED' },
    });
    expect(classifyFailure({ code: 'ETIMEDOUT' }, 'mx:25').kind).toBe('deferred');
    expect(classifyFailure({ code: 'ETLS', message: 'certificate has expired' }, 'mx:25').kind).toBe(
      'deferred',
    );
    expect(classifyFailure({ code: 'ESOCKET', message: 'read ECONNRESET' }, 'mx:25').kind).toBe('deferred');
  });

  it('bounces on 5xx replies', () => {
    expect(
      classifyFailure({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 User unknown' }, 'mx:25'),
    ).toMatchObject({
      kind: 'bounced',
      smtp: { code: 550, enhanced_code: '5.1.1' },
    });
  });

  it('reads RFC 3463 codes only where they stand', () => {
    expect(parseEnhancedCode('550-5.7.26 Unauthenticated email')).toBe('5.7.26');
    expect(parseEnhancedCode('550 User unknown 5.1.1')).toBeUndefined();
    expect(parseEnhancedCode(undefined)).toBeUndefined();
  });

  it('never bounces a refusal before the transaction: greeting, STARTTLS or AUTH failures defer', () => {
    const refusals = [
      { responseCode: 554, response: '554 No SMTP service here', command: 'CONN' },
      { responseCode: 500, response: '500 Error: command not recognized', command: 'STARTTLS' },
      { responseCode: 535, response: '535 5.7.8 Authentication failed', command: 'AUTH PLAIN' },
    ];
    for (const err of refusals) expect(classifyFailure(err, 'relay:587').kind).toBe('deferred');
    expect(
      classifyFailure({ responseCode: 550, response: '550 5.1.1 No such user', command: 'RCPT TO' }, 'mx:25')
        .kind,
    ).toBe('bounced');
  });
});
