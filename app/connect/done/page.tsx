/**
 * Last page of the link popup: hands the one-time code (from this browser's short-lived cookie, never the
 * URL) to the settings page that opened it (S1), tells it how the link ended, then closes itself. Nothing
 * from the URL is reflected except known values.
 */
import { ConnectDone } from '@/components/connect-done';
import { DocumentLanguage } from '@/components/i18n';
import { formatMessage as format } from '@/lib/i18n';
import { messagesFor } from '@/lib/i18n/catalogues';
import { requestLocale } from '@/lib/i18n/server';
import { MAX_EMAIL_LENGTH } from '@/lib/api/input';
import { env } from '@/lib/env';
import { cookies } from 'next/headers';
import { LINK_CODE_COOKIE } from '@/lib/auth/provider-linking';

export const dynamic = 'force-dynamic';

const PROVIDER = { google: 'Google', microsoft: 'Microsoft', dropbox_sign: 'Dropbox Sign' } as Record<string, string>;
const LINK_CODE = /^[A-Za-z0-9_-]{43}$/;
const knownReason = (value: string | undefined) => (value && /^[A-Za-z_]{1,40}$/.test(value) ? value : undefined);
const bounded = (value: string | undefined) => (value ?? '').slice(0, MAX_EMAIL_LENGTH);

export default async function ConnectDonePage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  const locale = await requestLocale(q.lang);
  const t = messagesFor(locale).connectDone;
  const provider = PROVIDER[q.provider ?? ''];
  const cookieCode = (await cookies()).get(LINK_CODE_COOKIE)?.value;
  const code = q.status === 'consented' && cookieCode && LINK_CODE.test(cookieCode) ? cookieCode : null;
  const message =
    code
      ? { title: t.consentedTitle, body: t.consentedBody, ok: true }
      : // Dropbox and Dropbox Sign finish the link in their own callback route and arrive here already linked.
        q.status === 'linked'
        ? { title: t.linkedTitle, body: format(t.linkedBody, { email: bounded(q.email) || (provider ?? '') }), ok: true }
      : q.status === 'email_mismatch'
        ? { title: t.mismatchTitle, body: format(t.mismatchBody, { expected: bounded(q.expected), got: bounded(q.got) }), ok: false }
        : q.status === 'expired'
          ? { title: t.expiredTitle, body: t.expiredBody, ok: false }
          : q.status === 'refused'
            ? { title: t.noOpenerTitle, body: t.refusedBody, ok: false }
            : q.error === 'AccessDenied' || q.error === 'access_denied'
              ? { title: t.deniedTitle, body: t.deniedBody, ok: false }
              : { title: t.failedTitle, body: format(t.failedBody, { reason: knownReason(q.reason) ?? knownReason(q.error) ?? t.unknownError }), ok: false };
  const status = code ? 'consented' : (knownReason(q.status) ?? knownReason(q.error) ?? 'error');
  return (
    <main className="mx-auto max-w-md p-8" data-testid="connect-done" data-status={status}>
      <DocumentLanguage locale={locale} />
      <ConnectDone
        status={status}
        code={code}
        provider={provider ?? null}
        appOrigin={new URL(env().appUrl).origin}
        autoClose={message.ok}
        title={message.title}
        body={message.body}
        noOpener={{ title: t.noOpenerTitle, body: t.noOpenerBody }}
        closeLabel={t.close}
      />
    </main>
  );
}
