/** Last page of the link popup: tells the settings page what happened, then closes itself. */
import { ConnectDone } from '@/components/connect-done';
import { DocumentLanguage } from '@/components/i18n';
import { formatMessage as format, messagesFor } from '@/lib/i18n';
import { requestLocale } from '@/lib/i18n/server';

export const dynamic = 'force-dynamic';

const PROVIDER = { google: 'Google', microsoft: 'Microsoft', dropbox_sign: 'Dropbox Sign' } as Record<string, string>;

export default async function ConnectDonePage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  const locale = await requestLocale(q.lang);
  const t = messagesFor(locale).connectDone;
  const provider = PROVIDER[q.provider ?? ''];
  const message =
    q.status === 'linked'
      ? { title: provider ? format(t.linkedTitle, { provider }) : t.linkedTitleGeneric, body: format(t.linkedBody, { email: q.email ?? '' }), ok: true }
      : q.status === 'email_mismatch'
        ? { title: t.mismatchTitle, body: format(t.mismatchBody, { expected: q.expected ?? '', got: q.got ?? '' }), ok: false }
        : q.status === 'expired'
          ? { title: t.expiredTitle, body: t.expiredBody, ok: false }
          : q.error === 'AccessDenied' || q.error === 'access_denied'
            ? { title: t.deniedTitle, body: t.deniedBody, ok: false }
            : { title: t.failedTitle, body: format(t.failedBody, { reason: q.reason ?? q.error ?? t.unknownError }), ok: false };
  return (
    <main className="mx-auto max-w-md p-8" data-testid="connect-done" data-status={q.status ?? q.error ?? 'error'}>
      <DocumentLanguage locale={locale} />
      <h1 className="text-lg font-bold">{message.title}</h1>
      <p className="muted mt-2">{message.body}</p>
      <ConnectDone status={q.status ?? 'error'} autoClose={message.ok} closeLabel={t.close} />
    </main>
  );
}
