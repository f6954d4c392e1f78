/** Where an install ends when it did not succeed: denied consent, a bad/expired state, or a failure. */
import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

const CRM_NAMES = { pipedrive: 'Pipedrive', teamleader: 'Teamleader Focus' } as const;

export default async function InstallResult({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  const crm = q.crm === 'teamleader' ? 'teamleader' : 'pipedrive';
  const name = CRM_NAMES[crm];
  const marketplace = env().isSandbox
    ? `${env().sandboxUrl}/${crm === 'pipedrive' ? 'pipedrive/settings/marketplace' : 'teamleader/marketplace'}`
    : crm === 'pipedrive'
      ? 'https://app.pipedrive.com/settings/marketplace'
      : 'https://marketplace.focus.teamleader.eu';
  const content =
    q.outcome === 'denied'
      ? {
          title: 'Synclane was not installed',
          body: `You chose Deny on ${name}'s consent screen, so Synclane received no access and stored nothing. You can install it any time from the Marketplace.`,
        }
      : q.outcome === 'invalid_state'
        ? {
            title: 'This install link is invalid or expired',
            body: `For your security, installs must be finished within 10 minutes of starting them, from the same link. Start the install again from the ${name} Marketplace.`,
          }
        : {
            title: 'The install did not complete',
            body: `${name} answered with an error, so nothing was stored. Try again from the Marketplace; if it keeps failing, contact support with this detail: ${q.detail ?? 'unknown error'}`,
          };
  return (
    <main className="mx-auto max-w-xl p-10" data-testid="install-result" data-outcome={q.outcome}>
      <h1 className="text-xl font-bold">{content.title}</h1>
      <p className="muted mt-3">{content.body}</p>
      <a className="btn btn-primary mt-6" href={marketplace}>
        Back to the {name} Marketplace
      </a>
    </main>
  );
}
