import { describe, expect, it } from 'vitest';
import { recordFromMetadata, recordMetadataValue, RECORD_METADATA_KEY } from './metadata';
import { pdfName } from './apply';

describe('B7 record reference in signature request metadata', () => {
  it('B7: round-trips a module and id', () => {
    expect(recordFromMetadata({ [RECORD_METADATA_KEY]: recordMetadataValue('deal', '42') })).toEqual({ module: 'deal', id: '42' });
  });
  it.each([
    [{}],
    [{ [RECORD_METADATA_KEY]: 42 }],
    [{ [RECORD_METADATA_KEY]: 'person' }],
    [{ [RECORD_METADATA_KEY]: 'invoice:1' }],
    [{ [RECORD_METADATA_KEY]: 'person:1/../2' }],
  ])('B7: anything else is no reference (%j) — the signer e-mail match decides', (metadata) => {
    expect(recordFromMetadata(metadata)).toBeNull();
  });
});

describe('S2 archive file names', () => {
  it('S2: keep the title, mark the signed copy, end in the request id prefix', () => {
    expect(pdfName({ id: 'abcdef0123456789', title: 'NDA' }, false)).toBe('NDA abcdef01.pdf');
    expect(pdfName({ id: 'abcdef0123456789', title: 'NDA' }, true)).toBe('NDA (signed) abcdef01.pdf');
  });
  it('S2: characters Dropbox refuses and trailing dots become readable names', () => {
    expect(pdfName({ id: 'abcdef0123456789', title: 'Q1/Q2: "offer"...' }, false)).toBe('Q1 Q2 offer abcdef01.pdf');
    expect(pdfName({ id: 'abcdef0123456789', title: '' }, false)).toBe('Signature request abcdef01.pdf');
  });
});
