/** Teamleader has no iframe surface: the Marketplace links here; the session cookie was set at install. */
import { cookies } from 'next/headers';
import { CrmBridge } from '@/components/crm-bridge';
import { SettingsApp } from '@/components/settings-app';
import { TEAMLEADER_SESSION_COOKIE } from '@/lib/tenant';

export const dynamic = 'force-dynamic';

export default async function TeamleaderSettingsPage() {
  const hasSession = !!(await cookies()).get(TEAMLEADER_SESSION_COOKIE);
  if (!hasSession) {
    return (
      <main className="mx-auto max-w-xl p-10">
        <h1 className="text-xl font-bold">Sign in with Teamleader</h1>
        <p className="muted mt-3">Your Synclane session has ended. Sign in with your Teamleader account to open your settings.</p>
        <a className="btn btn-primary mt-6" href="/api/teamleader/install">
          Continue with Teamleader
        </a>
      </main>
    );
  }
  return (
    <main className="mx-auto max-w-3xl p-6">
      <CrmBridge mode="teamleader">
        <SettingsApp />
      </CrmBridge>
    </main>
  );
}
