/**
 * Limits for `medinfer serve`'s HTTP server, set explicitly rather than left to Node's defaults so
 * that a hostile client on loopback (or a hostile page in the browser) cannot hold the server, grow
 * its memory without bound, or crash it. Every value here is what the server enforces:
 *
 * - maxHeaderSize 16 KiB: request line + all headers. A longer URL or header block is answered
 *   431 by Node's parser before anything is allocated for it.
 * - maxHeadersCount 100: headers past the 100th are dropped by Node (nothing here reads them).
 * - headersTimeout 10 s: the whole header block must arrive within 10 s of the connection (or of
 *   the previous request on a kept-alive socket); a slowloris client trickling bytes gets 408.
 * - requestTimeout 30 s: the whole request, body included, within 30 s.
 * - connectionsCheckingInterval 1 s: how often Node checks the two timeouts above (default 30 s,
 *   which would let a stalled client live 40 s instead of 10 s).
 * - keepAliveTimeout 5 s: an idle kept-alive socket is closed after 5 s.
 * - socket idle timeout 30 s: a socket with no traffic either way (e.g. a client that asked for a
 *   model file and stopped reading) is destroyed after 30 s. Responses stream from disk with
 *   backpressure, so a slow reader holds one stream buffer (64 KiB), not the file.
 * - maxConnections 1024: further connections are closed on accept. Each connection costs at most
 *   about a header buffer plus one stream buffer (~100 KiB), so memory stays around 100 MB or less.
 * - maxRequestsPerSocket 100: a pipelining client gets `Connection: close` after 100 requests;
 *   Node also stops reading a socket whose queued responses exceed its buffer.
 * - request bodies: none accepted (MAX_BODY_BYTES = 0). Nothing the demo serves takes a body (files
 *   are read in the browser and never uploaded), so any request that announces one (Content-Length
 *   > 0 or Transfer-Encoding) is answered 413 without reading it and its socket is closed: a lying
 *   Content-Length or a chunked body that never ends cannot hold memory or the connection.
 * - only GET and HEAD (405 otherwise); the parser is never lenient (insecureHTTPParser off), and
 *   HTTP/1.1 requests must carry a Host header (400).
 * - when bound to a loopback address, the Host header must name a loopback host (403 otherwise), so
 *   a web page using DNS rebinding cannot read from the server through the user's browser.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';

export const HTTP_LIMITS = {
  maxHeaderSize: 16 * 1024,
  maxHeadersCount: 100,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  socketIdleTimeoutMs: 30_000,
  maxConnections: 1024,
  maxRequestsPerSocket: 100,
  maxBodyBytes: 0,
} as const;

/** A Node HTTP server with every limit in HTTP_LIMITS applied. */
export function createLimitedServer(listener: RequestListener): Server {
  const server = createServer(
    {
      maxHeaderSize: HTTP_LIMITS.maxHeaderSize,
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      connectionsCheckingInterval: HTTP_LIMITS.connectionsCheckingIntervalMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      requireHostHeader: true,
      insecureHTTPParser: false,
    },
    listener,
  );
  server.maxHeadersCount = HTTP_LIMITS.maxHeadersCount;
  server.maxConnections = HTTP_LIMITS.maxConnections;
  server.maxRequestsPerSocket = HTTP_LIMITS.maxRequestsPerSocket;
  // No 'timeout' listener: Node destroys the idle socket itself.
  server.setTimeout(HTTP_LIMITS.socketIdleTimeoutMs);
  // Node answers requests past maxRequestsPerSocket with 503 but keeps reading the socket, so a
  // client pipelining without pause would hold it forever: hang up once the last allowed answer is out.
  const served = new WeakMap<Socket, number>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (count >= HTTP_LIMITS.maxRequestsPerSocket) res.once('finish', () => closeSoon(req.socket));
  });
  // Malformed requests (bad request line, bad Content-Length, header overflow, timeouts) get Node's
  // default 400 / 431 / 408 answer and the socket is closed; none of them reaches the handler.
  return server;
}

/** True when the request announces a body (which this server never reads). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Answers `status` with a short text and closes the connection once the answer is out, without
 * reading whatever body the client is (or is not) sending. The socket is destroyed a moment later
 * in case the client keeps it half-open.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text, () => closeSoon(req.socket));
}

/**
 * Ends the socket (FIN after what is queued, so the last answer arrives) and destroys it a second
 * later whatever the client does; destroying at once could reset the connection with the answer
 * still unread by the client.
 */
function closeSoon(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), 1_000).unref();
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * DNS-rebinding guard: on a loopback bind, the Host header must be a loopback name (any port) or
 * the bound host itself. On other binds (the user chose to expose the demo) every Host is accepted.
 */
export function hostAllowed(boundHost: string, hostHeader: string | undefined): boolean {
  if (!isLoopback(boundHost)) return true;
  if (hostHeader === undefined) return true; // HTTP/1.0 without Host: not something a browser sends
  const name = hostHeader.toLowerCase().replace(/:\d*$/, '');
  return LOOPBACK_NAMES.has(name) || isLoopback(name) || name === boundHost.toLowerCase();
}
