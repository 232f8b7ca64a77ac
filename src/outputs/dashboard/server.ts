/**
 * The dashboard's HTTP side, shared by `--dashboard` (live from the run events) and `callcert dashboard`
 * (from a results directory): `/` the page, `/events` a server-sent-events stream. Nothing here waits on
 * a browser: a message is serialised once and handed to every client's socket; a client that stops
 * reading is dropped once its backlog passes a bound. Bound to anything but loopback, every request must
 * carry the random `?token=` of the printed URL (401 otherwise): the page shows the platform under test.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenHttp } from '../http-listen.js';
import { isLoopback, type ListenAddress } from '../prometheus/sink-args.js';

/** Browsers and test clients at once; more are refused at the socket. */
const MAX_CONNECTIONS = 32;
/** Unsent bytes a client may hold before it is dropped (a few full snapshots). */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/** An SSE comment this often keeps proxies and idle timers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface DashboardServerOptions extends ListenAddress {
  /** The option that chose the address, for errors: "--dashboard". */
  option: string;
  page: () => Promise<string>;
  /** A new client connected: the owner may want to send it a fresh snapshot. */
  onClient?: () => void;
}

export class DashboardServer {
  private server: Server | null = null;
  private readonly clients = new Set<ServerResponse>();
  /** The last message of each event type, replayed to a client that connects later. */
  private readonly last = new Map<string, string>();
  private readonly token: string | null;
  private keepalive: NodeJS.Timeout | null = null;
  private address = '';

  constructor(private readonly o: DashboardServerOptions) {
    this.token = isLoopback(o.host) ? null : randomBytes(16).toString('hex');
  }

  /** The page's URL, with the access token when there is one. */
  get url(): string {
    return `${this.address}/${this.token === null ? '' : `?token=${this.token}`}`;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async listen(): Promise<void> {
    const page = await this.o.page();
    const server = createServer((req, res) => this.serve(req, res, page));
    server.maxConnections = MAX_CONNECTIONS;
    server.headersTimeout = 5_000;
    // An event stream is one long response: no request timeout (it would cut the stream).
    server.requestTimeout = 0;
    this.address = await listenHttp(server, this.o, this.o.option, `${this.o.option} ${this.o.host}:PORT`);
    this.server = server;
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** One SSE message to every client; kept for clients that connect later. */
  send(event: string, data: unknown): void {
    const msg = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.last.set(event, msg);
    this.write(msg);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    if (this.keepalive !== null) clearInterval(this.keepalive);
    for (const c of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private write(msg: string): void {
    for (const c of this.clients) {
      if (c.writableLength > MAX_BACKLOG_BYTES) {
        this.clients.delete(c);
        c.destroy();
      } else c.write(msg);
    }
  }

  private authorised(req: IncomingMessage): boolean {
    if (this.token === null) return true;
    const given = Buffer.from(new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '');
    const want = Buffer.from(this.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private serve(req: IncomingMessage, res: ServerResponse, page: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!this.authorised(req)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('callcert dashboard: open the URL callcert printed (it carries the access token)\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      // No framing, no sniffing, nothing from elsewhere: the page is self-contained.
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      });
      res.end(req.method === 'HEAD' ? undefined : page);
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      for (const msg of this.last.values()) res.write(msg);
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      this.o.onClient?.();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('callcert dashboard serves / and /events\n');
  }
}
