// @ts-check
/** Headers for the pages Pipedrive embeds are set per request in proxy.ts (they depend on env). */
/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite must not be bundled (Turbopack breaks its file URLs); see reference/stack-probe.md §2.2.
  serverExternalPackages: ['@electric-sql/pglite', 'pg', '@googleapis/people', 'google-auth-library', 'inngest'],
  poweredByHeader: false,
  reactStrictMode: true,
  // The dev-mode indicator badge sits on top of the iframe content inside the CRM.
  devIndicators: false,
  typescript: { tsconfigPath: './tsconfig.json' },
};
export default nextConfig;
