// The embedded Temporal Web UI, behind the same rule as BabyBot's own API. The UI server of
// `temporal server start-dev` answers any Host (its help says it "skips certain HTTP
// security checks") and holds every chat's history, so a DNS-rebinding page could read it
// and act through it. It listens at a private address (dev-server.ts), and this proxy, at
// the advertised TEMPORAL_UI_PORT on 127.0.0.1, answers only requests that name this
// machine (Host) and changes nothing for a page of another site (Origin, Sec-Fetch-Site).
// No token: the gRPC port behind it answers any local account anyway (SECURITY.md).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRequest, guardSettings } from '../lib/http-guard.js';

export interface UiProxy {
  url: string;
  close(): Promise<void>;
}

export async function startUiProxy(port: number, target: { host: string; port: number }): Promise<UiProxy> {
  // The UI's own requests send JSON and forms of its own making: what proves them the page's
  // own is their Origin, which every browser sends on a request that changes something.
  const settings = { ...guardSettings('127.0.0.1', [], undefined), writes: 'same-origin' as const };
  const server = http.createServer((req, res) => {
    const verdict = checkRequest(req, new URL(req.url ?? '/', 'http://localhost'), settings);
    if (!verdict.ok) {
      res.writeHead(verdict.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: verdict.error.replace('this BabyBot', "this BabyBot's Temporal Web UI") }));
      return;
    }
    const upstream = http.request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${target.host}:${target.port}` } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `The Temporal Web UI did not answer: ${error.message}` }));
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on 127.0.0.1 is already in use by another program. Stop it, or set TEMPORAL_UI_PORT to a free port.`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
