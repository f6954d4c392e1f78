/**
 * S2: every sender/signer/CC combination, written out by hand (not computed) so the table is the spec:
 * who sent it (you / someone else) × your signer slot (none / awaiting / signed / declined) ×
 * other signers (none / some) × CC'd (no / yes).
 */
import { describe, expect, it } from 'vitest';
import { SIGNATURE_FOLDERS, classifySignatureRequest, type SignatureRequestView } from './classification';

const ME = 'rahul.regular@northwind.example';
const OTHER_SENDER = 'ada@contoso.example';
const OTHER_SIGNER = 'hans.mueller@fabrikam.example';
const { received: R, signatureRequested: REQ, sent: SENT, signedAndReturned: SR } = SIGNATURE_FOLDERS;

type Mine = 'none' | 'awaiting_signature' | 'signed' | 'declined';
type Row = [sender: 'me' | 'other', mine: Mine, others: 'none' | 'some', cc: 'no' | 'yes', expected: string[]];

// prettier-ignore
const TABLE: Row[] = [
  // You sent it
  ['me', 'none', 'none', 'no', []],
  ['me', 'none', 'none', 'yes', []],
  ['me', 'none', 'some', 'no', [REQ]],
  ['me', 'none', 'some', 'yes', [REQ]],
  ['me', 'awaiting_signature', 'none', 'no', [SENT]],
  ['me', 'awaiting_signature', 'none', 'yes', [SENT]],
  ['me', 'awaiting_signature', 'some', 'no', [REQ]],
  ['me', 'awaiting_signature', 'some', 'yes', [REQ]],
  ['me', 'signed', 'none', 'no', [SENT]],
  ['me', 'signed', 'none', 'yes', [SENT]],
  ['me', 'signed', 'some', 'no', [REQ]],
  ['me', 'signed', 'some', 'yes', [REQ]],
  ['me', 'declined', 'none', 'no', [SENT]],
  ['me', 'declined', 'none', 'yes', [SENT]],
  ['me', 'declined', 'some', 'no', [REQ]],
  ['me', 'declined', 'some', 'yes', [REQ]],
  // Someone else sent it
  ['other', 'none', 'none', 'no', []],
  ['other', 'none', 'none', 'yes', [R]],
  ['other', 'none', 'some', 'no', []],
  ['other', 'none', 'some', 'yes', [R]],
  ['other', 'awaiting_signature', 'none', 'no', [R]],
  ['other', 'awaiting_signature', 'none', 'yes', [R]],
  ['other', 'awaiting_signature', 'some', 'no', [R]],
  ['other', 'awaiting_signature', 'some', 'yes', [R]],
  ['other', 'signed', 'none', 'no', [SR]],
  ['other', 'signed', 'none', 'yes', [SR]],
  ['other', 'signed', 'some', 'no', [SR]],
  ['other', 'signed', 'some', 'yes', [SR]],
  ['other', 'declined', 'none', 'no', [R]],
  ['other', 'declined', 'none', 'yes', [R]],
  ['other', 'declined', 'some', 'no', [R]],
  ['other', 'declined', 'some', 'yes', [R]],
];

function build([sender, mine, others, cc]: Row): SignatureRequestView {
  const signers: SignatureRequestView['signers'] = [];
  if (mine !== 'none') signers.push({ email: ME, status: mine });
  if (others === 'some') signers.push({ email: OTHER_SIGNER, status: 'awaiting_signature' });
  return { requesterEmail: sender === 'me' ? ME : OTHER_SENDER, signers, ccEmails: cc === 'yes' ? [ME] : [] };
}

describe('S2 archive folder classification', () => {
  it('S2: the table covers all 32 combinations exactly once', () => {
    expect(new Set(TABLE.map((r) => r.slice(0, 4).join('|'))).size).toBe(32);
  });

  it.each(TABLE)('S2: sender=%s, my slot=%s, other signers=%s, CC=%s → %j', (...row) => {
    expect(classifySignatureRequest(build(row as Row), ME)).toEqual(row[4]);
  });

  it('S2: e-mail addresses match case-insensitively and trimmed', () => {
    const request = { requesterEmail: ' Ada@Contoso.example ', signers: [{ email: 'RAHUL.Regular@northwind.example', status: 'signed' }], ccEmails: [] };
    expect(classifySignatureRequest(request, ' rahul.regular@NORTHWIND.example')).toEqual([SR]);
    expect(classifySignatureRequest({ ...request, signers: [] }, 'ada@contoso.example')).toEqual([]);
  });

  it('S2: with two slots for you, only signing both counts as signed and returned', () => {
    const request = { requesterEmail: OTHER_SENDER, signers: [{ email: ME, status: 'signed' }, { email: ME, status: 'awaiting_signature' }], ccEmails: [] };
    expect(classifySignatureRequest(request, ME)).toEqual([R]);
    request.signers[1].status = 'signed';
    expect(classifySignatureRequest(request, ME)).toEqual([SR]);
  });

  it('S2: unknown vendor statuses (on_hold, error_*) count as not signed', () => {
    const request = { requesterEmail: OTHER_SENDER, signers: [{ email: ME, status: 'on_hold' }], ccEmails: [] };
    expect(classifySignatureRequest(request, ME)).toEqual([R]);
  });

  it('S4: a team admin who is not involved gets no personal folder', () => {
    const request = { requesterEmail: OTHER_SENDER, signers: [{ email: OTHER_SIGNER, status: 'signed' }], ccEmails: [] };
    expect(classifySignatureRequest(request, 'olivia.admin@northwind.example')).toEqual([]);
  });

  it('S2: an empty user e-mail matches nothing', () => {
    expect(classifySignatureRequest({ requesterEmail: '', signers: [{ email: '', status: 'signed' }], ccEmails: [''] }, '')).toEqual([]);
  });
});
