import { describe, expect, it } from 'vitest';
import { classifySignatureRequest } from '@/lib/sync/signatures/classification';
import { signatureRequestFromWire } from './mapper';
import { ZWireSignatureRequest } from './schemas';

const wire = (signatures: { status_code: string; signed_at: number | null }[], isComplete: boolean) =>
  ZWireSignatureRequest.parse({
    signature_request_id: 'sr1',
    requester_email_address: 'rahul.regular@northwind.example',
    title: 'Lease',
    is_complete: isComplete,
    cc_email_addresses: ['nina.noadd@northwind.example'],
    created_at: 1_700_000_000,
    signatures: signatures.map((s, i) => ({ signature_id: `s${i}`, signer_email_address: `s${i}@x.example`, ...s })),
  });

describe('S3 completion time from the signatures', () => {
  it('S3: a complete request completes at its last signature', () => {
    const info = signatureRequestFromWire(wire([{ status_code: 'signed', signed_at: 1_700_000_100 }, { status_code: 'signed', signed_at: 1_700_000_500 }], true));
    expect(info.completedAt?.toISOString()).toBe(new Date(1_700_000_500_000).toISOString());
    expect(info).toMatchObject({ requesterEmail: 'rahul.regular@northwind.example', ccEmails: ['nina.noadd@northwind.example'], createdAt: new Date(1_700_000_000_000) });
  });

  it('S3: an incomplete request has no completion time', () => {
    expect(signatureRequestFromWire(wire([{ status_code: 'signed', signed_at: 1_700_000_100 }, { status_code: 'awaiting_signature', signed_at: null }], false)).completedAt).toBeNull();
  });

  it('S2: the mapped request feeds the classification directly', () => {
    const info = signatureRequestFromWire(wire([{ status_code: 'signed', signed_at: 1_700_000_100 }], true));
    expect(classifySignatureRequest(info, 'rahul.regular@northwind.example')).toEqual(['Signature requested']);
    expect(classifySignatureRequest(info, 's0@x.example')).toEqual(['Signed and returned by you']);
    expect(classifySignatureRequest(info, 'nina.noadd@northwind.example')).toEqual(['Received']);
  });

  it('S2: unknown signer statuses are kept as they are', () => {
    expect(signatureRequestFromWire(wire([{ status_code: 'on_hold', signed_at: null }], false)).signers[0].status).toBe('on_hold');
  });
});
