/** Teamleader has no iframe surface: the Marketplace links here; the session cookie was set at install. */
import { cookies } from 'next/headers';
import { CrmBridge } from '@/components/crm-bridge';
import { DocumentLanguage } from '@/components/i18n';
import { SettingsApp } from '@/components/settings-app';
import { messagesFor } from '@/lib/i18n/catalogues';
import { requestLocale } from '@/lib/i18n/server';
import { TEAMLEADER_SESSION_COOKIE } from '@/lib/tenant';

export const dynamic = 'force-dynamic';

export default async function TeamleaderSettingsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const hasSession = !!(await cookies()).get(TEAMLEADER_SESSION_COOKIE);
  if (!hasSession) {
    // No session, so no CRM user to take the language from: the browser's (or ?lang=) decides.
    const locale = await requestLocale((await searchParams).lang);
    const t = messagesFor(locale).teamleaderSignIn;
    return (
      <main className="mx-auto max-w-xl p-10">
        <DocumentLanguage locale={locale} />
        <h1 className="text-xl font-bold">{t.title}</h1>
        <p className="muted mt-3">{t.body}</p>
        <a className="btn btn-primary mt-6" href="/api/teamleader/install">
          {t.continue}
        </a>
      </main>
    );
  }
  // Signed in: the settings follow the Teamleader user's language from /api/embedded/context.
  return (
    <main className="mx-auto max-w-3xl p-6">
      <CrmBridge mode="teamleader">
        <SettingsApp />
      </CrmBridge>
    </main>
  );
}
