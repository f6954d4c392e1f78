import { handlers } from '@/lib/auth/authjs';

export const dynamic = 'force-dynamic';
export const { GET, POST } = handlers;
