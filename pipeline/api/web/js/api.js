// The HTTP API as the pages use it: JSON in and out, the bearer token kept in the browser.
const TOKEN_KEY = "eioku_token";
const PAGE_SIZE = 1000;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? null;
  }
}

function storeToken(value) {
  localStorage.setItem(TOKEN_KEY, value);
  // <video> and <img> cannot send a header: the server accepts the cookie for reads only
  document.cookie = `${TOKEN_KEY}=${encodeURIComponent(value)}; path=/; SameSite=Strict`;
}

function askForToken() {
  const value = window.prompt("This server needs an API token (EIOKU_API_TOKEN):");
  if (value) {
    storeToken(value.trim());
    window.location.reload();
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401) askForToken();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  return search.toString();
}

// every artifact of one type, following the keyset cursor
export async function allArtifacts(videoId, type) {
  const artifacts = [];
  let cursor = null;
  do {
    const page = await api(
      `/v1/videos/${encodeURIComponent(videoId)}/artifacts?${query({ type, limit: PAGE_SIZE, cursor })}`,
    );
    artifacts.push(...page.artifacts);
    cursor = page.next_cursor;
  } while (cursor);
  return artifacts;
}
