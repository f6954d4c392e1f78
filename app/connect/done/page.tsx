/** Last page of the link popup: tells the settings page what happened, then closes itself. */
import { ConnectDone } from '@/components/connect-done';

export const dynamic = 'force-dynamic';

const PROVIDER = { google: 'Google', microsoft: 'Microsoft' } as Record<string, string>;

export default async function ConnectDonePage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  const name = PROVIDER[q.provider ?? ''] ?? 'The account';
  const message =
    q.status === 'linked'
      ? { title: `${name} account linked`, body: `${q.email ?? ''} is now linked to Synclane. This window closes by itself.`, ok: true }
      : q.status === 'email_mismatch'
        ? {
            title: 'That was a different account',
            body: `You entered ${q.expected} but authorized ${q.got}. Nothing was linked. Try again and choose ${q.expected}, or enter ${q.got} instead.`,
            ok: false,
          }
        : q.status === 'expired'
          ? { title: 'This link expired', body: 'Start again from the Synclane settings in your CRM.', ok: false }
          : q.error === 'AccessDenied' || q.error === 'access_denied'
            ? { title: 'Access was not granted', body: 'You chose Deny, so nothing was linked. You can try again from the Synclane settings.', ok: false }
            : { title: 'Linking did not complete', body: `Nothing was linked (${q.reason ?? q.error ?? 'unknown error'}). Close this window and try again.`, ok: false };
  return (
    <main className="mx-auto max-w-md p-8" data-testid="connect-done" data-status={q.status ?? q.error ?? 'error'}>
      <h1 className="text-lg font-bold">{message.title}</h1>
      <p className="muted mt-2">{message.body}</p>
      <ConnectDone status={q.status ?? 'error'} autoClose={message.ok} />
    </main>
  );
}
