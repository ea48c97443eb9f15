/**
 * A minimal HTTP/1.1 keep-alive client over one TCP socket, for the load generator: node:http's
 * client costs several times what a small server does per request, so with it the load
 * generator, not the server, would set the pace of a fast baseline. One request at a time per
 * connection (no pipelining); understands Content-Length and chunked responses.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** The first bytes of the body (for error reports). */
  text: string;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class RawConnection {
  private socket: net.Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.fail(err));
        socket.on('close', () => {
          this.socket = null;
          this.fail(new Error('connection closed'));
        });
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  private fail(err: Error) {
    const p = this.pending;
    this.pending = null;
    this.buffer = Buffer.alloc(0);
    p?.reject(err);
  }

  private onData(chunk: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const parsed = parseResponse(this.buffer);
    if (!parsed) return;
    this.buffer = this.buffer.subarray(parsed.consumed);
    const p = this.pending;
    this.pending = null;
    if (parsed.close) this.close();
    p?.resolve(parsed.response);
  }

  /** Sends one request (head and body already serialised) and resolves with its response. */
  async request(payload: Buffer | string): Promise<RawResponse> {
    if (!this.socket) this.socket = await this.connect();
    return new Promise<RawResponse>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket!.write(payload);
    });
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** Parses one complete response from the start of `buf`, or returns null if more bytes are needed. */
export function parseResponse(buf: Buffer): { response: RawResponse; consumed: number; close: boolean } | null {
  const headEnd = buf.indexOf(CRLFCRLF);
  if (headEnd < 0) return null;
  const head = buf.toString('latin1', 0, headEnd);
  const lines = head.split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  let length = -1;
  let chunked = false;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding' && value.includes('chunked')) chunked = true;
    else if (name === 'connection' && value === 'close') close = true;
  }
  const bodyStart = headEnd + 4;
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  if (noBody) return { response: { status, text: '' }, consumed: bodyStart, close };
  if (chunked) {
    const parts: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        // Last chunk, then (no trailers expected) the final CRLF.
        if (buf.length < lineEnd + 4) return null;
        return { response: { status, text: Buffer.concat(parts).toString('utf8', 0, 500) }, consumed: lineEnd + 4, close };
      }
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  if (length < 0) return null; // Read-until-close bodies are not used by the servers measured.
  if (buf.length < bodyStart + length) return null;
  return { response: { status, text: buf.toString('utf8', bodyStart, bodyStart + Math.min(length, 500)) }, consumed: bodyStart + length, close };
}
