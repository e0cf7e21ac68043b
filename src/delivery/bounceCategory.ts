import type { BounceCategory } from '../contracts/bounceReasons';
import type { SmtpResult } from '../db/documents';

// RFC 3463 enhanced codes, by subject.detail; the class (4 or 5) says only how final it is.
const BY_ENHANCED_CODE: Record<string, BounceCategory> = {
  '1.1': 'unknown_user',
  '1.0': 'unknown_user',
  '1.6': 'unknown_user',
  '1.2': 'bad_domain',
  '1.10': 'bad_domain',
  '2.1': 'mailbox_disabled',
  '2.2': 'mailbox_full',
  '2.3': 'message_too_large',
  '3.4': 'message_too_large',
  '4.4': 'unreachable',
  '4.1': 'unreachable',
  '4.3': 'unreachable',
};

// Common provider wording, for servers that send no enhanced code or a generic one.
const BY_TEXT: [RegExp, BounceCategory][] = [
  [/mailbox (is )?full|over ?quota|quota exceeded|insufficient (system )?storage/i, 'mailbox_full'],
  [
    /user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|recipient (not found|rejected|unknown)|invalid (recipient|mailbox)|mailbox unavailable|address rejected/i,
    'unknown_user',
  ],
  [/disabled|deactivated|inactive|suspended/i, 'mailbox_disabled'],
  [
    /spam|block(ed)?|blacklist|blocklist|denylist|rbl|reputation|policy|not authori[sz]ed|dmarc|spf|dkim/i,
    'policy',
  ],
  [/too (large|big)|size limit|exceeds/i, 'message_too_large'],
];

/** The enhanced status code first; the provider's text second; `other` when neither says. */
export function bounceCategory(
  smtp: Pick<SmtpResult, 'code' | 'enhanced_code' | 'response'> | undefined,
): BounceCategory {
  if (!smtp) return 'other';
  if (smtp.code === undefined && smtp.enhanced_code === undefined) return 'unreachable';
  const subjectDetail = smtp.enhanced_code?.split('.').slice(1).join('.');
  const byCode = subjectDetail ? BY_ENHANCED_CODE[subjectDetail] : undefined;
  // 5.7.x is policy whatever the detail; generic x.0.0 codes defer to the text.
  if (smtp.enhanced_code?.split('.')[1] === '7') return 'policy';
  if (byCode) return byCode;
  for (const [pattern, category] of BY_TEXT) if (pattern.test(smtp.response ?? '')) return category;
  return 'other';
}
