/**
 * This machine's own names: what a server may bind to without being reachable from elsewhere,
 * and what the extension may reach over plain http. One list for the server and the extension.
 */
export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
