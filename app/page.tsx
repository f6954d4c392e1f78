import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

export default function Home() {
  const sandbox = env().sandboxUrl;
  return (
    <main className="mx-auto max-w-2xl p-10">
      <h1 className="text-2xl font-bold">Synclane</h1>
      <p className="muted mt-2">
        Contact sync with Google Contacts and Microsoft Outlook for Pipedrive and Teamleader Focus. Synclane is installed from your CRM&apos;s
        Marketplace and configured inside the CRM.
      </p>
      <ul className="mt-6 list-disc pl-6">
        <li>
          Pipedrive: Tools and apps → Marketplace apps → Synclane → <strong>Install</strong>.
        </li>
        <li>
          Teamleader Focus: Marketplace → Synclane → <strong>Install</strong>, then <strong>Open settings</strong>.
        </li>
      </ul>
      {sandbox ? (
        <p className="mt-6">
          This instance runs in sandbox mode. Open the emulated CRMs at <a href={sandbox}>{sandbox}</a>.
        </p>
      ) : null}
    </main>
  );
}
