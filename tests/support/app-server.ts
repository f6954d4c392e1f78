/**
 * A minimal HTTP server in front of the app's route handlers, for tests and benchmarks in which an
 * emulator calls the app back (Graph's validation handshake and notifications, CRM webhooks). Route
 * modules are the real ones; only Next's router is replaced by a path lookup.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NextRequest } from 'next/server';

type RouteHandler = (req: NextRequest, ctx?: unknown) => Promise<Response> | Response;
export type RouteTable = Record<string, { POST?: RouteHandler; GET?: RouteHandler }>;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startAppServer(routes: RouteTable): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const handler = routes[url.pathname]?.[req.method as 'POST' | 'GET'];
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const body = await readBody(req);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const request = new NextRequest(url, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined });
      const response = await handler(request, { params: Promise.resolve({}) });
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error('[app-server]', error);
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
