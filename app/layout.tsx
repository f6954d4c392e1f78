import type { Metadata } from 'next';
import localFont from 'next/font/local';
import './globals.css';

// next/font/google needs the internet at build time; the npm font works offline.
const inter = localFont({
  src: '../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2',
  variable: '--font-inter',
  display: 'swap',
});

export const metadata: Metadata = {
  title: 'Synclane',
  description: 'Contact sync, Dropbox files and Dropbox Sign archive for Pipedrive and Teamleader Focus.',
  // Files in public/: the ICO for browsers that ask for /favicon.ico anyway, the SVG for the rest.
  icons: {
    icon: [
      { url: '/favicon.ico', sizes: '32x32' },
      { url: '/favicon.svg', type: 'image/svg+xml' },
    ],
  },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={inter.variable} data-theme="light" suppressHydrationWarning>
      <body>{children}</body>
    </html>
  );
}
