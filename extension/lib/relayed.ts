/**
 * The background's side of a relayed endpoint (lib/protocol.ts): a page's flat request split into
 * the endpoint's parts, and checked with the endpoint's own schemas before it leaves the browser.
 */
import {
  contract,
  paramStrings,
  queryStrings,
  validationFailure,
  type CallInput,
  type Contract,
  type EndpointSpec,
  type RequestPart,
} from '../../shared/contract';
import type { z } from 'zod';
import { relayedEndpoints, type RelayBinding, type RelayedName, type RelayError, type RelayInput } from './protocol';

/** The page's request as the endpoint's path parameters, query and body. */
export function callInputOf<N extends RelayedName>(name: N, input: RelayInput<N>): CallInput<Contract[N]> {
  const spec: EndpointSpec = contract[name];
  const binding: RelayBinding = relayedEndpoints[name];
  const rest: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  const params: Record<string, unknown> = {};
  for (const param of Object.keys(spec.params?.shape ?? {})) {
    const key = Object.keys(binding.params ?? {}).find((k) => binding.params![k] === param) ?? param;
    params[param] = rest[key];
    delete rest[key];
  }
  const parts: { params?: object; query?: object; body?: unknown } = {};
  if (spec.params) parts.params = params;
  if (spec.body) parts.body = binding.bodyAs ? rest[binding.bodyAs] : rest;
  else if (spec.query) parts.query = Object.fromEntries(Object.keys(spec.query.shape).flatMap((key) => (key in rest ? [[key, rest[key]]] : [])));
  return parts as CallInput<Contract[N]>;
}

/**
 * The refusal the server would answer this request with, were it sent: its 400 VALIDATION, with
 * the same words and the same field (a form shows it beside that field); or null when the
 * request is well formed. What only the server can judge (a phone number, a candidate's state)
 * is left to it.
 */
export function checkRelayedInput(name: RelayedName, input: unknown): RelayError | null {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { code: 'BAD_REQUEST', message: 'The request is not valid.', status: 400 };
  const spec: EndpointSpec = contract[name];
  const parts = callInputOf(name, input as RelayInput<typeof name>) as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  const checks: [z.ZodType | undefined, unknown, RequestPart][] = [
    // As the server reads them: path parameters and query values arrive as strings.
    [spec.params, paramStrings(parts.params), 'params'],
    [spec.query, queryStrings(parts.query), 'query'],
    [spec.body, parts.body, 'body'],
  ];
  for (const [schema, value, part] of checks) {
    const parsed = schema?.safeParse(value);
    if (parsed && !parsed.success) {
      const { field, message } = validationFailure(parsed.error.issues, part);
      return { code: 'VALIDATION', message, status: 400, field };
    }
  }
  return null;
}
