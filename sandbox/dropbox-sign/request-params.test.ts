import { describe, expect, it } from 'vitest';
import { readParams } from './request-params';

const req = (contentType: string, body: string | Buffer) => ({ headers: { 'content-type': contentType }, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });

describe('S5 send bodies in every format the vendor accepts', () => {
  it('S5: form fields with brackets (curl style) become nested arrays', () => {
    const { fields } = readParams(req('application/x-www-form-urlencoded', 'title=T&signers[1][name]=B&signers[0][name]=A&signers[0][email_address]=a@x.example&cc_email_addresses[]=c@x.example&test_mode=1'));
    expect(fields).toEqual({ title: 'T', signers: [{ name: 'A', email_address: 'a@x.example' }, { name: 'B' }], cc_email_addresses: ['c@x.example'], test_mode: '1' });
  });

  it('S5: multipart keeps files[n] as files and decodes JSON-encoded fields', () => {
    const boundary = 'XyZ';
    const body = [
      `--${boundary}\r\nContent-Disposition: form-data; name="signers"\r\n\r\n[{"name":"A","email_address":"a@x.example"}]\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="files[0]"; filename="c.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const { fields, files } = readParams(req(`multipart/form-data; boundary=${boundary}`, body));
    expect(fields.signers).toEqual([{ name: 'A', email_address: 'a@x.example' }]);
    expect(files).toEqual([{ name: 'c.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 x') }]);
  });

  it('S5: malformed JSON is a 400 in the vendor envelope', () => {
    expect(() => readParams(req('application/json', '{'))).toThrow(expect.objectContaining({ status: 400, errorName: 'bad_request' }));
  });
});
