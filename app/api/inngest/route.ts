/**
 * Inngest endpoint (Inngest Cloud or self-hosted `inngest start`); unused in local jobs mode.
 * The URL Inngest registers is fixed to APP_URL: taken from the request, an unsigned `PUT` with a spoofed
 * Host header would re-register the app at that host.
 */
import { serve } from 'inngest/next';
import { inngest } from '@/inngest/client';
import { functions } from '@/inngest/functions';
import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

export const INNGEST_SERVE_PATH = '/api/inngest';

export const { GET, POST, PUT } = serve({ client: inngest, functions, serveOrigin: env().appUrl, servePath: INNGEST_SERVE_PATH });
