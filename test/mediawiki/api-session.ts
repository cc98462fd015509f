/**
 * A MediaWiki API session as a browser or bot has it: cookies kept between requests, login
 * with a login token, edits with a CSRF token.
 */
export class ApiSession {
  readonly cookies = new Map<string, string>();

  constructor(readonly apiUrl: string) {}

  async get(params: Record<string, string>): Promise<Record<string, unknown>> {
    const query = new URLSearchParams({ format: 'json', formatversion: '2', ...params });
    return this.request(`${this.apiUrl}?${query}`, { method: 'GET' });
  }

  async post(params: Record<string, string>): Promise<Record<string, unknown>> {
    const body = new URLSearchParams({ format: 'json', formatversion: '2', ...params });
    return this.request(this.apiUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async login(user: string, password: string): Promise<void> {
    const tokens = (await this.get({ action: 'query', meta: 'tokens', type: 'login' })) as { query: { tokens: { logintoken: string } } };
    const result = (await this.post({ action: 'login', lgname: user, lgpassword: password, lgtoken: tokens.query.tokens.logintoken })) as {
      login: { result: string; reason?: string };
    };
    if (result.login.result !== 'Success') throw new Error(`login failed: ${JSON.stringify(result.login)}`);
  }

  async csrfToken(): Promise<string> {
    const tokens = (await this.get({ action: 'query', meta: 'tokens' })) as { query: { tokens: { csrftoken: string } } };
    return tokens.query.tokens.csrftoken;
  }

  /** Edits a page and returns the edit result (`newrevid`, `pageid`, …); throws on API errors. */
  async edit(title: string, text: string, summary: string): Promise<{ result: string; pageid: number; newrevid: number; oldrevid: number }> {
    const token = await this.csrfToken();
    const answer = (await this.post({ action: 'edit', title, text, summary, token })) as {
      edit?: { result: string; pageid: number; newrevid: number; oldrevid: number };
      error?: unknown;
    };
    if (answer.edit?.result !== 'Success') throw new Error(`edit failed: ${JSON.stringify(answer)}`);
    return answer.edit;
  }

  private async request(url: string, init: RequestInit): Promise<Record<string, unknown>> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${init.method} ${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`);
    }
  }
}
