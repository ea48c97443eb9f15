/**
 * The background worker's HTTP client for the server, driven by the contract (shared/contract/):
 * the endpoint's name gives its method and path, and its output schema parses the answer, so a
 * server that answers in another shape is a readable BAD_RESPONSE, never a silent cast. Every
 * refusal becomes a RelayError with the server's own code and message, so the UI can say why.
 */
import { contract, fillPath, searchOf, type CallInput, type Contract, type EndpointName, type EndpointSpec, type OutputOf } from '../../shared/contract';
import type { RelayError } from './protocol';

export class RelayFailure extends Error {
  constructor(readonly error: RelayError) {
    super(error.message);
  }
}

export interface ApiTarget {
  serverUrl: string;
  token: string | null;
}

export async function callEndpoint<N extends EndpointName>(target: ApiTarget, name: N, input: CallInput<Contract[N]>): Promise<OutputOf<Contract[N]>> {
  const spec: EndpointSpec = contract[name];
  const { params, query, headers, body, file } = input as {
    params?: object;
    query?: object;
    headers?: object;
    body?: unknown;
    file?: { contentType: string; text: string };
  };
  let res: Response;
  try {
    res = await fetch(`${target.serverUrl}${fillPath(spec.path, params as Record<string, unknown>)}${searchOf(query as Record<string, unknown>)}`, {
      method: spec.method,
      headers: {
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        ...(file ? { 'content-type': file.contentType } : body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(headers as Record<string, string> | undefined),
      },
      body: file ? file.text : body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new RelayFailure({
      code: 'OFFLINE',
      message: `Can't reach the Text Engagement server at ${target.serverUrl}. Check that it is running.`,
      status: 0,
    });
  }
  if (res.ok && spec.output === null) return null as OutputOf<Contract[N]>;
  let json: unknown = undefined;
  try {
    json = await res.json();
  } catch {
    // Not JSON: a refusal is described below; a success is a BAD_RESPONSE.
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: { field?: unknown } } } | null | undefined)?.error;
    const field = error?.details?.field;
    throw new RelayFailure({
      code: error?.code ?? `HTTP_${res.status}`,
      message: error?.message ?? `The server answered ${res.status}.`,
      status: res.status,
      ...(typeof field === 'string' ? { field } : {}),
    });
  }
  const parsed = spec.output!.safeParse(json);
  if (!parsed.success) throw new RelayFailure(badResponse(name, spec, parsed.error.issues[0]));
  return parsed.data as OutputOf<Contract[N]>;
}

/**
 * The server answered, but not in the shape the contract says: most likely a server and an
 * extension of different versions. Said so, naming the endpoint and the first difference.
 */
function badResponse(name: string, spec: EndpointSpec, issue: { path: PropertyKey[]; message: string } | undefined): RelayError {
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return {
    code: 'BAD_RESPONSE',
    message: `The Text Engagement server's answer to ${spec.method} ${spec.path} (${name}) is not what this extension expects (${where}${issue?.message ?? 'not JSON'}). The server and the extension may be different versions: ask your administrator to update the older one.`,
    status: 0,
  };
}

/** Attachments larger than this are not relayed (the server never stores more than 5 MB of one). */
const MEDIA_MAX_BYTES = 5 * 1024 * 1024;

/**
 * A text's attachment (GET /api/media/:id, not JSON, so not through callEndpoint's parsing), as a
 * data: URL the page can show without ever reaching the server itself. Pictures keep their type;
 * the server serves anything else as application/octet-stream.
 */
export async function fetchMedia(target: ApiTarget, url: string): Promise<{ dataUrl: string; contentType: string }> {
  let res: Response;
  try {
    res = await fetch(`${target.serverUrl}${url}`, { headers: target.token ? { authorization: `Bearer ${target.token}` } : {} });
  } catch {
    throw new RelayFailure({ code: 'OFFLINE', message: `Can't reach the Text Engagement server at ${target.serverUrl}. Check that it is running.`, status: 0 });
  }
  if (!res.ok) {
    const error = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    throw new RelayFailure({ code: error?.code ?? `HTTP_${res.status}`, message: error?.message ?? `The server answered ${res.status}.`, status: res.status });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > MEDIA_MAX_BYTES) throw new RelayFailure({ code: 'TOO_LARGE', message: 'The attachment is larger than 5 MB.', status: 0 });
  const contentType = (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { dataUrl: `data:${contentType};base64,${btoa(binary)}`, contentType };
}

/** Opens the server's event stream (GET /api/events) for lib/event-stream.ts, which reads it. */
export function openEventStream(target: { serverUrl: string; token: string }, signal: AbortSignal): Promise<Response> {
  return fetch(`${target.serverUrl}/api/events`, { headers: { authorization: `Bearer ${target.token}`, accept: 'text/event-stream' }, signal });
}
