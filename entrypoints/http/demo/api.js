// The public API as a frontend calls it: fetch() with a bearer token; errors as ApiError,
// read from RFC 9457 problem details. See docs/frontend.md.

export class ApiError extends Error {
  constructor({ title, detail, invalidParams = [], status = 0, retryable = false, requestId = null }) {
    super(detail ? `${title}: ${detail}` : title);
    Object.assign(this, { title, detail, invalidParams, status, retryable, requestId });
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// POST /v1/notifications; the same idempotencyKey on a retry returns the same notification.
export async function sendNotification(base, token, message, idempotencyKey) {
  const response = await call(new URL("/v1/notifications", base), token, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
    body: JSON.stringify(message),
  });
  const location = new URL(response.headers.get("Location"), base).href;
  return { view: await response.json(), location };
}

// GET <location>?wait=N until the status is no longer "pending"; onChange sees every new view.
// A server that holds the request answers when the status changes or after N seconds; one that
// answers at once is asked again after about pauseMs.
export async function waitForOutcome(location, token, onChange, { wait = 25, pauseMs = 1000 } = {}) {
  const url = new URL(location);
  url.searchParams.set("wait", String(wait));
  let seen = "", failures = 0;
  for (;;) {
    const started = performance.now();
    let view;
    try {
      view = await (await call(url, token)).json();
      failures = 0;
    } catch (error) {
      if (!error.retryable || ++failures > 5) throw error;
      await sleep(2000 * failures);
      continue;
    }
    const text = JSON.stringify(view);
    if (text !== seen) onChange(view);
    seen = text;
    if (view.status !== "pending") return view;
    await sleep(Math.max(0, pauseMs - (performance.now() - started)));
  }
}

async function call(url, token, init = {}) {
  let response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { ...init.headers, Authorization: `Bearer ${token}` },
      mode: "cors",
      credentials: "omit", // a bearer token, never cookies
      cache: "no-store",
    });
  } catch {
    throw new ApiError({
      title: "Could not reach the API",
      detail: `${url.origin} did not answer, or did not allow this page's origin (${location.origin}) ` +
        "by CORS: check NOTIFICATIONS_CORS_ALLOW_ORIGINS. The browser's console says which.",
      retryable: true,
    });
  }
  if (response.ok) return response;
  throw await problemOf(response);
}

async function problemOf(response) {
  let problem = {};
  const text = await response.text();
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { detail: text.slice(0, 300) };
  }
  return new ApiError({
    title: problem.title || `HTTP ${response.status}`,
    detail: problem.detail || response.statusText,
    invalidParams: problem.invalid_params || [],
    status: response.status,
    retryable: response.status >= 500 || response.status === 408 || response.status === 429,
    requestId: response.headers.get("X-Request-ID"),
  });
}
