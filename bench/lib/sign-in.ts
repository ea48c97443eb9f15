/**
 * Signs in as the demo's recruiter (recruiter@acme.test), through the API in process
 * (`(path, init) => app.request(path, init)`) or over HTTP (`(path, init) => fetch(base + path, init)`),
 * and returns the bearer token the benchmark's own requests carry.
 */
export async function demoRecruiterToken(request: (path: string, init: RequestInit) => Response | Promise<Response>): Promise<string> {
  const login = await request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'recruiter@acme.test', password: 'demo1234' }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { token: string }).token;
}
