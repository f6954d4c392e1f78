/** Where an install ends when it did not succeed: denied consent, a bad/expired state, or a failure. */
import { DocumentLanguage } from '@/components/i18n';
import { env } from '@/lib/env';
import { INSTALL_FAILURE_CODES, isSupportReference, type InstallFailureCode } from '@/lib/install-flow';
import { formatMessage as format } from '@/lib/i18n';
import { messagesFor } from '@/lib/i18n/catalogues';
import { requestLocale } from '@/lib/i18n/server';

export const dynamic = 'force-dynamic';

const CRM_NAMES = { pipedrive: 'Pipedrive', teamleader: 'Teamleader Focus' } as const;

export default async function InstallResult({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  const locale = await requestLocale(q.lang);
  const t = messagesFor(locale).install;
  const crm = q.crm === 'teamleader' ? 'teamleader' : 'pipedrive';
  const name = CRM_NAMES[crm];
  const marketplace = env().isSandbox
    ? `${env().sandboxUrl}/${crm === 'pipedrive' ? 'pipedrive/settings/marketplace' : 'teamleader/marketplace'}`
    : crm === 'pipedrive'
      ? 'https://app.pipedrive.com/settings/marketplace'
      : 'https://marketplace.focus.teamleader.eu';
  // Only known codes and well-formed references are shown: nothing from the URL is reflected verbatim.
  const code: InstallFailureCode = INSTALL_FAILURE_CODES.includes(q.code as InstallFailureCode) ? (q.code as InstallFailureCode) : 'install_failed';
  const detail = isSupportReference(q.ref) ? `${code} · ${q.ref}` : code;
  const content =
    q.outcome === 'denied'
      ? { title: t.deniedTitle, body: format(t.deniedBody, { crm: name }) }
      : q.outcome === 'invalid_state'
        ? { title: t.invalidStateTitle, body: format(t.invalidStateBody, { crm: name }) }
        : { title: t.failedTitle, body: format(t.failedBody, { crm: name, detail }) };
  return (
    <main className="mx-auto max-w-xl p-10" data-testid="install-result" data-outcome={q.outcome} data-code={code}>
      <DocumentLanguage locale={locale} />
      <h1 className="text-xl font-bold">{content.title}</h1>
      <p className="muted mt-3">{content.body}</p>
      <a className="btn btn-primary mt-6" href={marketplace}>
        {format(t.backToMarketplace, { crm: name })}
      </a>
    </main>
  );
}
