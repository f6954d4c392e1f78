import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, startSignHarness, type SignHarness } from './test-harness';

let h: SignHarness;
beforeAll(async () => {
  h = await startSignHarness();
});
afterAll(async () => h.close());
beforeEach(() => h.sign.reset());

const form = (fields: Record<string, string>) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });

describe('S2 web UI: acting as sender, signer and CC', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => receiver.close());

  it('S2: the accounts page shows the Northwind Traders team with roles', async () => {
    const page = await (await fetch(`${h.oauthBase}`)).text();
    expect(page).toContain('Olivia Admin');
    expect(page).toContain('Northwind Traders · team admin');
    expect(page).toContain('Rahul Regular');
  });

  it('S2: a request sent in the UI shows under "Sent by you", "Sent to you" and "CC\'d to you"; signing fires callbacks', async () => {
    const rahul = 'rahul.regular@northwind.example';
    h.sign.config({ filesPreparingMs: 50 });
    const sent = await fetch(`${h.oauthBase}/app/${encodeURIComponent(rahul)}/send`, form({ title: 'Bike lease', signers: 'Ada Lovelace <ada@contoso.example>', cc: 'nina.noadd@northwind.example' }));
    expect(sent.status).toBe(303);
    const id = /requests\/([0-9a-f]+)/.exec(sent.headers.get('location')!)![1];
    h.sign.account('ada@contoso.example').callbackUrl = receiver.url;

    const ninaPage = await (await fetch(`${h.oauthBase}/app/${encodeURIComponent('nina.noadd@northwind.example')}`)).text();
    expect(ninaPage.split("CC'd to you")[1]).toContain('Bike lease');
    const adaPage = await (await fetch(`${h.oauthBase}/app/${encodeURIComponent('ada@contoso.example')}`)).text();
    expect(adaPage.split('Waiting for your signature')[1].split('Sent by you')[0]).toContain('Bike lease');

    await fetch(`${h.oauthBase}/requests/${id}?as=ada%40contoso.example`); // opening = viewed
    const signed = await fetch(`${h.oauthBase}/requests/${id}/sign`, form({ as: 'ada@contoso.example' }));
    expect(signed.status).toBe(303);
    await h.sign.callbacks.flush();
    expect(h.sign.callbacks.deliveries.map((d) => d.eventType).slice(0, 3)).toEqual(['signature_request_viewed', 'signature_request_signed', 'signature_request_all_signed']);
    // Nobody calls the API, yet `downloadable` follows once the files are prepared.
    await expect.poll(() => receiver.events().map((e) => e.event.event_type).sort(), { timeout: 2000 }).toEqual([
      'signature_request_all_signed',
      'signature_request_downloadable',
      'signature_request_signed',
      'signature_request_viewed',
    ]);
    const pdf = Buffer.from(await (await fetch(`${h.oauthBase}/requests/${id}/file`)).arrayBuffer()).toString('latin1');
    expect(pdf).toContain('Signed by Ada Lovelace');
  });

  it('S2: declining records the reason and a second action is refused with a readable page', async () => {
    const request = h.sign.createRequest({ from: 'olivia.admin@northwind.example', title: 'Offer', signers: [{ name: 'Hans', email: 'hans.mueller@fabrikam.example' }], documents: [{ name: 'o.pdf', data: Buffer.from('%PDF-1.4\n') }] });
    await fetch(`${h.oauthBase}/requests/${request.id}/decline`, form({ as: 'hans.mueller@fabrikam.example', reason: 'Price too high' }));
    expect(h.sign.store.find(request.id)!.signers[0]).toMatchObject({ statusCode: 'declined', declineReason: 'Price too high' });
    const again = await fetch(`${h.oauthBase}/requests/${request.id}/sign`, form({ as: 'hans.mueller@fabrikam.example' }));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('has been declined');
  });
});
