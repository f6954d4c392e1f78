import { DocumentLanguage } from '@/components/i18n';
import { richText as fill } from '@/components/rich-text';
import { env } from '@/lib/env';
import { messagesFor } from '@/lib/i18n/catalogues';
import { requestLocale } from '@/lib/i18n/server';

export const dynamic = 'force-dynamic';

export default async function Home({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const locale = await requestLocale((await searchParams).lang);
  const t = messagesFor(locale).home;
  const sandbox = env().sandboxUrl;
  const install = <strong>{t.install}</strong>;
  return (
    <main className="mx-auto max-w-2xl p-10">
      <DocumentLanguage locale={locale} />
      <h1 className="text-2xl font-bold">Synclane</h1>
      <p className="muted mt-2">{t.intro}</p>
      <ul className="mt-6 list-disc pl-6">
        <li>{fill(t.pipedriveSteps, { install })}</li>
        <li>{fill(t.teamleaderSteps, { install, openSettings: <strong>{t.openSettings}</strong> })}</li>
      </ul>
      {sandbox ? <p className="mt-6">{fill(t.sandbox, { url: <a href={sandbox}>{sandbox}</a> })}</p> : null}
    </main>
  );
}
